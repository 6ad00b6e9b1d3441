#include "store/history_record.h"

namespace sb {

std::string_view to_string(RequestStatus status) {
    switch (status) {
    case RequestStatus::Ok:
        return "ok";
    case RequestStatus::Error:
        return "error";
    case RequestStatus::Cancelled:
        return "cancelled";
    }
    return "error";
}

std::optional<RequestStatus> request_status_from_string(std::string_view text) {
    if (text == "ok")
        return RequestStatus::Ok;
    if (text == "error")
        return RequestStatus::Error;
    if (text == "cancelled")
        return RequestStatus::Cancelled;
    return std::nullopt;
}

}  // namespace sb
