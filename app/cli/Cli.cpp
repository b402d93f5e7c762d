#include "app/cli/Cli.h"

#include <iomanip>
#include <iostream>

#include "core/common/Error.h"

namespace vf::cli {

Args& Args::option(const std::string& name, const std::string& valueName, const std::string& help,
                   std::optional<std::string> defaultValue, bool repeat) {
    opts_.push_back(Opt{name, valueName, help, std::move(defaultValue), false, repeat});
    return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
    opts_.push_back(Opt{name, "", help, std::nullopt, true, false});
    return *this;
}

Args& Args::positional(const std::string& name, const std::string& help, bool many,
                       bool required) {
    posSpec_.push_back(Pos{name, help, many, required});
    return *this;
}

const Args::Opt* Args::find(const std::string& name) const {
    for (const auto& o : opts_)
        if (o.name == name) return &o;
    return nullptr;
}

bool Args::parse(const std::vector<std::string>& argv, std::ostream& out) {
    values_.clear();
    pos_.clear();
    bool onlyPositional = false;
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string a = argv[i];
        // The one short option every subcommand shares: -o for the output.
        if (!onlyPositional && a == "-o") a = find("output") ? "--output" : "--o";
        if (!onlyPositional && (a == "--help" || a == "-h")) {
            printHelp(out);
            return false;
        }
        if (!onlyPositional && a == "--") {
            onlyPositional = true;
            continue;
        }
        if (!onlyPositional && a.size() > 2 && a.rfind("--", 0) == 0) {
            std::string name = a.substr(2), value;
            bool inlineValue = false;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                inlineValue = true;
            }
            const Opt* o = find(name);
            if (!o) throw UsageError("unknown option --" + name);
            if (o->isFlag) {
                if (inlineValue) throw UsageError("option --" + name + " takes no value");
                values_[name].push_back("1");
                continue;
            }
            if (!inlineValue) {
                if (i + 1 >= argv.size())
                    throw UsageError("option --" + name + " needs a value <" + o->valueName + ">");
                value = argv[++i];
            }
            auto& v = values_[name];
            if (!v.empty() && !o->repeat)
                throw UsageError("option --" + name + " given more than once");
            v.push_back(value);
            continue;
        }
        pos_.push_back(a);
    }
    // Check positional counts.
    size_t required = 0;
    bool many = false;
    for (const auto& p : posSpec_) {
        if (p.required) ++required;
        many = many || p.many;
    }
    if (pos_.size() < required) {
        std::string names;
        for (const auto& p : posSpec_)
            if (p.required) names += " <" + p.name + ">";
        throw UsageError("missing argument(s):" + names);
    }
    if (!many && pos_.size() > posSpec_.size())
        throw UsageError("unexpected argument '" + pos_[posSpec_.size()] + "'");
    return true;
}

void Args::printHelp(std::ostream& out) const {
    out << "usage: " << usage << "\n";
    if (!summary.empty()) out << "\n" << summary << "\n";
    if (!posSpec_.empty()) {
        out << "\narguments:\n";
        for (const auto& p : posSpec_)
            out << "  " << std::left << std::setw(28) << ("<" + p.name + ">" + (p.many ? "..." : ""))
                << p.help << "\n";
    }
    out << "\noptions:\n";
    for (const auto& o : opts_) {
        std::string lhs = (o.name == "output" ? "-o, --" : "--") + o.name +
                          (o.isFlag ? "" : " <" + o.valueName + ">");
        out << "  " << std::left << std::setw(28) << lhs << o.help;
        if (o.def) out << " (default: " << *o.def << ")";
        if (o.repeat) out << " (repeatable)";
        out << "\n";
    }
    out << "  " << std::left << std::setw(28) << "--help" << "show this help\n";
}

bool Args::has(const std::string& name) const {
    if (values_.count(name)) return true;
    const Opt* o = find(name);
    return o && o->def.has_value();
}

std::string Args::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it != values_.end() && !it->second.empty()) return it->second.back();
    const Opt* o = find(name);
    if (o && o->def) return *o->def;
    throw UsageError("option --" + name + " is required");
}

std::vector<std::string> Args::getAll(const std::string& name) const {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    const Opt* o = find(name);
    if (o && o->def) return {*o->def};
    return {};
}

int Args::getInt(const std::string& name) const {
    std::string v = get(name);
    try {
        size_t used = 0;
        int r = std::stoi(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
        return r;
    } catch (const std::exception&) {
        throw UsageError("option --" + name + " expects an integer, got '" + v + "'");
    }
}

double Args::getDouble(const std::string& name) const {
    std::string v = get(name);
    try {
        size_t used = 0;
        double r = std::stod(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
        return r;
    } catch (const std::exception&) {
        throw UsageError("option --" + name + " expects a number, got '" + v + "'");
    }
}

static std::map<std::string, Command>& registry() {
    static std::map<std::string, Command> r;
    return r;
}

bool registerCommand(Command c) {
    registry()[c.name] = std::move(c);
    return true;
}

const std::map<std::string, Command>& commands() { return registry(); }

int runCommand(Args& args, const std::vector<std::string>& argv,
               const std::function<int(const Args&)>& body) {
    try {
        if (!args.parse(argv, std::cout)) return 0;
    } catch (const UsageError& e) {
        std::cerr << "error: " << e.what() << "\n" << "usage: " << args.usage << "\n"
                  << "(see --help)\n";
        return 2;
    }
    try {
        return body(args);
    } catch (const UsageError& e) {
        std::cerr << "error: " << e.what() << "\n(see --help)\n";
        return 2;
    } catch (const vf::Error& e) {
        if (e.code() == vf::ErrorCode::InvalidArgument) {
            std::cerr << "error: " << e.what() << "\n";
            return 2;
        }
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}

} // namespace vf::cli
