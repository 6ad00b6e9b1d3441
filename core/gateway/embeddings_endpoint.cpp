#include "gateway/embeddings_endpoint.h"

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "gateway/caller_auth.h"
#include "gateway/chat_admission.h"
#include "gateway/gateway_errors.h"
#include "model/request_id.h"
#include "providers/embeddings_wire.h"

namespace sb {

void EmbeddingsEndpoint::handle(const GatewayRequest& http, const std::shared_ptr<ResponseChannel>& channel) {
    const std::string request_id = new_request_id();
    auto refuse = [&](const GatewayError& error) { refuse_request(*channel, error, request_id); };

    auto authenticated = authenticate_caller(m_options, http.headers);
    if (!authenticated) return refuse(authenticated.error());
    const auto body = nlohmann::json::parse(http.body, nullptr, false);
    if (body.is_discarded()) return refuse(invalid_request("the body is not valid JSON (UTF-8)"));
    auto read = chat_request_from_embeddings(body);
    if (!read) return refuse(gateway_error_for(read.error()));
    read->id = request_id;
    auto admission = admit_chat(m_engine, m_options, *authenticated, std::move(*read), http, channel);
    if (!admission) return refuse(admission.error());

    m_engine.submit(std::move(admission->admitted), [channel, charge = std::move(admission->charge)](RequestResult&& result) {
        charge(result);
        if (!result.ok())
            return refuse_request(*channel, gateway_error_for(result.outcome.error()), result.request_id,
                                  result_headers(result));
        auto response = text_response(200, "application/json", std::move(result.outcome->passthrough_body));
        for (auto& header : result_headers(result)) response.headers.push_back(std::move(header));
        channel->respond(std::move(response));
    });
}

}  // namespace sb
