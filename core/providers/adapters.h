#pragma once
// Constructors of the concrete adapters; make_provider_adapter picks one by kind.
#include <memory>

#include "providers/provider_adapter.h"

namespace sb {

std::unique_ptr<ProviderAdapter> make_openai_adapter();
std::unique_ptr<ProviderAdapter> make_openai_compatible_adapter();
std::unique_ptr<ProviderAdapter> make_anthropic_adapter();

}  // namespace sb
