#pragma once
// Minimal argument parsing for the gateway CLI: positionals plus --flag [value].
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sb::cli {

class Args {
public:
    // `with_value` lists flags that take a value; every other --flag is a switch.
    // Fails (returns the message) on an unknown flag or a missing value.
    static std::optional<std::string> parse(int argc, char** argv, int first, const std::set<std::string>& with_value,
                                            const std::set<std::string>& switches, Args& out);

    const std::vector<std::string>& positional() const { return m_positional; }
    bool has(const std::string& flag) const { return m_switches.contains(flag) || m_values.contains(flag); }
    std::optional<std::string> value(const std::string& flag) const;

private:
    std::vector<std::string> m_positional;
    std::map<std::string, std::string> m_values;
    std::set<std::string> m_switches;
};

// Prints the message and the command's usage text to stderr; returns ExitCode::Usage.
int usage_error(const std::string& message, const char* usage);

// Exit codes, documented in the README.
enum ExitCode : int {
    Ok = 0,
    RequestFailed = 1,  // ask: the request failed; batch: a fatal error (input, database)
    Usage = 2,
    SomeLinesFailed = 3,  // batch: finished, but some lines are errors (see the output file)
    ConfigInvalid = 4,
    Interrupted = 130,
};

}  // namespace sb::cli
