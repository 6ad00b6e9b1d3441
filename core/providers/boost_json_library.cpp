// Boost.JSON's compiled parts, built into the core as the library documents for header-only
// use: exactly one translation unit includes src.hpp. Only its parser is used
// (openai_response_reader.cpp); nlohmann/json stays the JSON type everywhere else.
#include <boost/json/src.hpp>
