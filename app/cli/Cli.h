#pragma once
// vfstudio-cli framework: subcommands register themselves (one file each, cmd_*.cpp) and
// share a small argument parser. Exit codes: 0 success, 1 failure, 2 bad usage.

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vf::cli {

// Thrown for bad usage: printed with the subcommand's help hint, exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Declarative options for one subcommand.
class Args {
public:
    // name without dashes ("ir" for --ir); `value` = takes a value; `repeat` = may repeat.
    Args& option(const std::string& name, const std::string& valueName, const std::string& help,
                 std::optional<std::string> defaultValue = std::nullopt, bool repeat = false);
    Args& flag(const std::string& name, const std::string& help);
    Args& positional(const std::string& name, const std::string& help, bool many = false,
                     bool required = true);

    // Parses argv (without the subcommand). Throws UsageError. Returns false if --help was
    // given (help already printed to `out`).
    bool parse(const std::vector<std::string>& argv, std::ostream& out);
    void printHelp(std::ostream& out) const;

    bool has(const std::string& name) const;            // option given or has default, or flag set
    std::string get(const std::string& name) const;     // value (or default); UsageError if absent
    std::vector<std::string> getAll(const std::string& name) const; // repeated option values
    const std::vector<std::string>& positionals() const { return pos_; }
    int getInt(const std::string& name) const;
    double getDouble(const std::string& name) const;

    std::string usage;    // e.g. "vfstudio-cli info <file|folder>..."
    std::string summary;  // one paragraph shown under usage

private:
    struct Opt {
        std::string name, valueName, help;
        std::optional<std::string> def;
        bool isFlag = false, repeat = false;
    };
    struct Pos {
        std::string name, help;
        bool many = false, required = true;
    };
    std::vector<Opt> opts_;
    std::vector<Pos> posSpec_;
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> pos_;
    const Opt* find(const std::string& name) const;
};

struct Command {
    std::string name;
    std::string summary;
    // Runs with the arguments after the subcommand name. Returns the exit code.
    std::function<int(const std::vector<std::string>&)> run;
};

// Called from static initialisers in cmd_*.cpp.
bool registerCommand(Command c);
const std::map<std::string, Command>& commands();

// Standard wrapper: parses, runs `body`, maps exceptions to messages and exit codes.
int runCommand(Args& args, const std::vector<std::string>& argv,
               const std::function<int(const Args&)>& body);

} // namespace vf::cli

// Registers a subcommand from a .cpp file in app/cli.
#define VF_CLI_COMMAND(ident, name, summary, fn)                                              \
    static const bool vf_cli_registered_##ident =                                              \
        ::vf::cli::registerCommand(::vf::cli::Command{name, summary, fn})
