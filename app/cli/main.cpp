// vfstudio-cli: the vfstudio engine without a display.
#include <iomanip>
#include <iostream>

#include "app/cli/Cli.h"
#include "core/common/Runtime.h"
#include "core/common/Version.h"

int main(int argc, char** argv) {
    vf::initRuntime();
    std::vector<std::string> args(argv + 1, argv + argc);
    auto printUsage = [](std::ostream& out) {
        out << "usage: vfstudio-cli <command> [options]\n\n"
               "Infrared-visible video fusion workbench, command-line engine.\n\ncommands:\n";
        for (const auto& [name, c] : vf::cli::commands())
            out << "  " << std::left << std::setw(12) << name << c.summary << "\n";
        out << "\nRun 'vfstudio-cli <command> --help' for the options of a command.\n";
    };
    if (args.empty()) {
        printUsage(std::cerr);
        return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printUsage(std::cout);
        return 0;
    }
    if (args[0] == "--version") {
        std::cout << "vfstudio-cli " << vf::versionString() << "\n";
        return 0;
    }
    const auto& cmds = vf::cli::commands();
    auto it = cmds.find(args[0]);
    if (it == cmds.end()) {
        std::cerr << "error: unknown command '" << args[0] << "'\n\n";
        printUsage(std::cerr);
        return 2;
    }
    return it->second.run(std::vector<std::string>(args.begin() + 1, args.end()));
}
