#pragma once
#include <string_view>

namespace sb {

std::string_view embedded_default_config();  // resources/default-config.json
std::string_view embedded_demo_profile();     // resources/simulator/demo.json
std::string_view embedded_pricing();          // resources/pricing.json

}  // namespace sb
