#pragma once
// A request target taken apart for the resource endpoints (files, batches): the path's segments
// and the query's parameters. Ids and the list parameters the simulator reads never need
// percent-decoding, so none is done.
#include <optional>
#include <string_view>
#include <vector>

namespace sb {

struct SimRoute {
    std::vector<std::string_view> segments;  // "/v1/files/file-1/content" -> v1, files, file-1, content
    std::string_view query;                  // after '?', without it

    // The first value of a query parameter; nullopt when it is absent.
    std::optional<std::string_view> param(std::string_view name) const;
};

SimRoute sim_route(std::string_view target);

}  // namespace sb
