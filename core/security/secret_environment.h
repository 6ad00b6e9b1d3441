#pragma once
// The lookup the applications load their config with: "secret:NAME" from the default secret
// store, every other name from the process environment.
#include "config/config.h"

namespace sb {

// The store is opened once, at the first secret asked for. A secret the store does not hold,
// or a store that cannot be opened, answers nothing: the config reader then reports the
// reference as missing, naming the store and the command that adds it.
EnvLookup process_environment();

}  // namespace sb
