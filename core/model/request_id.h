#pragma once
#include <string>

namespace sb {

// A new engine request id: "sb-" + 24 hex digits (time-ordered prefix, random suffix).
std::string new_request_id();

}  // namespace sb
