// vfstudio-cli methods: the fusion methods with their parameters (name, type, default, range).
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/Cli.h"
#include "core/fusion/FusionMethod.h"

namespace {

using namespace vf::fusion;

int runMethods(const std::vector<std::string>& argv) {
    vf::cli::Args a;
    a.usage = "vfstudio-cli methods [--json] [name]";
    a.summary = "Lists the fusion methods (image-level and video-level) with their parameters: "
                "key, type, default and range or choices. Pass a name to show one method.";
    a.flag("json", "print JSON instead of text").positional("name", "one method", false, false);
    return vf::cli::runCommand(a, argv, [](const vf::cli::Args& args) {
        const MethodRegistry& reg = MethodRegistry::builtin();
        std::vector<std::shared_ptr<const FusionMethod>> list;
        if (!args.positionals().empty())
            list.push_back(reg.get(args.positionals().front()));
        else
            list = reg.methods();
        if (args.has("json")) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& m : list) {
                nlohmann::json jm{{"name", m->name()},
                                  {"display_name", m->displayName()},
                                  {"description", m->description()},
                                  {"kind", m->kind() == MethodKind::Video ? "video" : "image"},
                                  {"learned", m->isLearned()},
                                  {"color_policy", colorPolicyName(m->defaultColorPolicy())}};
                nlohmann::json ps = nlohmann::json::array();
                for (const auto& p : m->params()) {
                    nlohmann::json jp{{"key", p.key},
                                      {"label", p.label},
                                      {"description", p.description},
                                      {"type", p.typeName()},
                                      {"default", p.defaultAsText()}};
                    if (p.type == ParamSpec::Int || p.type == ParamSpec::Double)
                        jp["range"] = {p.min, p.max};
                    if (p.type == ParamSpec::Choice) jp["choices"] = p.choices;
                    ps.push_back(jp);
                }
                jm["params"] = ps;
                out.push_back(jm);
            }
            std::cout << out.dump(2) << "\n";
            return 0;
        }
        for (const auto& m : list) {
            std::cout << m->name() << "  [" << (m->kind() == MethodKind::Video ? "video" : "image")
                      << (m->isLearned() ? ", learned" : "")
                      << ", colour: " << colorPolicyName(m->defaultColorPolicy()) << "]\n"
                      << "    " << m->description() << "\n";
            for (const auto& p : m->params()) {
                std::cout << "    --param " << p.key << "=<" << p.typeName() << ">  default "
                          << (p.defaultAsText().empty() ? "(none)" : p.defaultAsText());
                if (!p.rangeAsText().empty()) std::cout << "  range " << p.rangeAsText();
                std::cout << "\n        " << p.description << "\n";
            }
        }
        return 0;
    });
}

} // namespace

VF_CLI_COMMAND(methods, "methods", "list the fusion methods and their parameters", runMethods);
