#include "cli_args.h"

#include <cstdio>

namespace sb::cli {

std::optional<std::string> Args::parse(int argc, char** argv, int first, const std::set<std::string>& with_value,
                                       const std::set<std::string>& switches, Args& out) {
    for (int i = first; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") {
            for (++i; i < argc; ++i) out.m_positional.emplace_back(argv[i]);
            break;
        }
        if (!arg.starts_with("-") || arg == "-") {
            out.m_positional.push_back(arg);
            continue;
        }
        std::string flag = arg;
        std::optional<std::string> inline_value;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            flag = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        if (with_value.contains(flag)) {
            if (inline_value) out.m_values[flag] = *inline_value;
            else if (i + 1 < argc) out.m_values[flag] = argv[++i];
            else return flag + " needs a value";
        } else if (switches.contains(flag) && !inline_value) {
            out.m_switches.insert(flag);
        } else {
            return "unknown option " + flag;
        }
    }
    return std::nullopt;
}

std::optional<std::string> Args::value(const std::string& flag) const {
    const auto it = m_values.find(flag);
    if (it == m_values.end()) return std::nullopt;
    return it->second;
}

int usage_error(const std::string& message, const char* usage) {
    std::fprintf(stderr, "%s\n%s", message.c_str(), usage);
    return ExitCode::Usage;
}

}  // namespace sb::cli
