#include "security/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>

namespace sb {

bool forbid_core_dumps() {
    const char* allow = std::getenv("SWITCHBOARD_CORE_DUMPS");
    if (allow && std::strcmp(allow, "1") == 0) return false;
    rlimit none{0, 0};
    ::setrlimit(RLIMIT_CORE, &none);
    return ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}

}  // namespace sb
