#pragma once
// The arguments of a simulated tool call, made from the tool's JSON Schema and the user's
// words so the same request always calls with the same arguments.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sb {

// An object with a value for every property of `schema`: string properties take the words of
// `user_text` from its end ("What is the weather in Paris?" gives {"city":"Paris"}), the next
// property the word before; enums their first value; integers 3 and numbers 1.5 (kept inside
// minimum/maximum); booleans true; arrays one item; objects recurse.
nlohmann::ordered_json sim_tool_arguments(const nlohmann::json& schema, std::string_view user_text);

// JSON text cut into stream fragments of a few bytes, never inside a UTF-8 sequence; joined
// they give the text back. At least two fragments when the text has two bytes.
std::vector<std::string> sim_argument_pieces(const std::string& arguments);

}  // namespace sb
