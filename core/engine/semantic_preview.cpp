// The Cache page's "nearest stored question" for a pasted conversation.
#include "engine/semantic_preview.h"

#include <memory>

#include "engine/request_path.h"
#include "providers/embeddings_wire.h"

namespace sb {

void preview_semantic(CachePreview preview, const ChatRequest& request, std::string_view tier, ResponseCache& cache,
                      RequestPath& path, std::function<void(std::optional<CachePreview>)> done) {
    SemanticCache* semantic = cache.semantic();
    if (!semantic) return done(std::move(preview));
    preview.threshold = semantic->config().threshold;
    auto question = semantic->question_of(request, preview.decision, tier, preview.target, cache.turns());
    if (!question) {
        preview.semantic_note = "not looked up semantically: " + question.error();
        return done(std::move(preview));
    }
    auto embedding = embedding_request_for(semantic->config().model, question->text);
    if (!embedding) {
        preview.semantic_note = "the embedding request was refused: " + embedding.error().message;
        return done(std::move(preview));
    }
    embedding->source = request.source;
    auto shared_question = std::make_shared<SemanticQuestion>(std::move(*question));
    auto shared_preview = std::make_shared<CachePreview>(std::move(preview));
    path.submit(
        std::move(*embedding),
        [semantic, shared_question, shared_preview, done = std::move(done)](RequestResult&& embedded) {
            CachePreview& out = *shared_preview;
            const std::string model = semantic->config().model;
            if (!embedded.ok()) {
                out.semantic_note = "embedding the question with " + model + " failed: " + embedded.outcome.error().message;
                return done(std::move(out));
            }
            const auto vector = first_embedding(*embedded.outcome);
            if (!vector) {
                out.semantic_note = "embedding the question with " + model + " failed: " + vector.error();
                return done(std::move(out));
            }
            const auto nearest = semantic->peek(*shared_question, *vector);
            if (!nearest) out.semantic_note = "the search failed: " + nearest.error();
            else if (!*nearest) out.semantic_note = "no question of this scope is stored yet";
            else out.nearest = **nearest;
            done(std::move(out));
        },
        {}, SubmitOptions{.record_history = false, .cached = false});
}

}  // namespace sb
