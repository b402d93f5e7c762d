// Checkpoint reader/writer: PyTorch zip archives with a minimal unpickler, TorchScript via
// torch::jit::load. See Checkpoint.h for the contract.
#include "core/model/Checkpoint.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>
#include <variant>

#include <ATen/ATen.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include "core/common/AtomicFile.h"
#include "core/common/Error.h"

namespace vf::model {
namespace {

using vf::Error;
using vf::ErrorCode;

// ---------------------------------------------------------------------------------------
// Minimal Python object model for the unpickler.
struct PyObj;
using PyRef = std::shared_ptr<PyObj>;

struct PyObj {
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        Str,
        Bytes,
        List,
        Tuple,
        Dict,
        Global,  // a class or function reference: module + name
        Object,  // an instance of something we do not understand (kept as its class name)
        Tensor,  // a rebuilt tensor
        Storage, // a persistent-id storage
        Mark     // internal stack marker
    };
    Kind kind = Kind::None;
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::string s;                             // Str/Bytes/Global "module.name"/Object class
    std::vector<PyRef> items;                  // List/Tuple
    std::vector<std::pair<PyRef, PyRef>> dict; // Dict (insertion order)
    at::Tensor tensor;                         // Tensor / Storage (flat)

    static PyRef make(Kind k) {
        auto p = std::make_shared<PyObj>();
        p->kind = k;
        return p;
    }
};

std::string kindName(const PyRef& o) {
    switch (o->kind) {
    case PyObj::Kind::None:
        return "None";
    case PyObj::Kind::Bool:
        return "bool";
    case PyObj::Kind::Int:
        return "int";
    case PyObj::Kind::Float:
        return "float";
    case PyObj::Kind::Str:
        return "str";
    case PyObj::Kind::Bytes:
        return "bytes";
    case PyObj::Kind::List:
        return "list";
    case PyObj::Kind::Tuple:
        return "tuple";
    case PyObj::Kind::Dict:
        return "dict";
    case PyObj::Kind::Global:
        return "class " + o->s;
    case PyObj::Kind::Object:
        return "object of " + o->s;
    case PyObj::Kind::Tensor:
        return "tensor";
    case PyObj::Kind::Storage:
        return "storage";
    case PyObj::Kind::Mark:
        return "mark";
    }
    return "?";
}

at::ScalarType storageDtype(const std::string& name, const std::string& file) {
    static const std::unordered_map<std::string, at::ScalarType> m = {
        {"FloatStorage", at::kFloat},
        {"DoubleStorage", at::kDouble},
        {"HalfStorage", at::kHalf},
        {"BFloat16Storage", at::kBFloat16},
        {"LongStorage", at::kLong},
        {"IntStorage", at::kInt},
        {"ShortStorage", at::kShort},
        {"CharStorage", at::kChar},
        {"ByteStorage", at::kByte},
        {"BoolStorage", at::kBool},
        {"ComplexFloatStorage", at::kComplexFloat},
        {"ComplexDoubleStorage", at::kComplexDouble}};
    auto dot = name.rfind('.');
    std::string base = dot == std::string::npos ? name : name.substr(dot + 1);
    auto it = m.find(base);
    if (it == m.end())
        throw Error(ErrorCode::Unsupported,
                    file + ": unsupported tensor storage type '" + name + "' in the checkpoint",
                    file);
    return it->second;
}

// Reads data.pkl of a PyTorch zip archive and rebuilds tensors from data/<key> records.
class Unpickler {
public:
    Unpickler(caffe2::serialize::PyTorchStreamReader& reader, std::string file)
        : reader_(reader), file_(std::move(file)) {}

    PyRef run(const std::string& pklRecord) {
        auto [ptr, size] = reader_.getRecord(pklRecord);
        data_ = static_cast<const uint8_t*>(ptr.get());
        size_ = size;
        pos_ = 0;
        holder_ = std::move(ptr);
        return loop();
    }

private:
    caffe2::serialize::PyTorchStreamReader& reader_;
    std::string file_;
    at::DataPtr holder_;
    const uint8_t* data_ = nullptr;
    size_t size_ = 0, pos_ = 0;
    std::vector<PyRef> stack_;
    std::vector<size_t> marks_;
    std::unordered_map<int64_t, PyRef> memo_;
    std::unordered_map<std::string, at::Tensor> storages_;

    [[noreturn]] void corrupt(const std::string& what) const {
        throw Error(ErrorCode::Corrupt,
                    file_ + ": damaged checkpoint (" + what + " at byte " + std::to_string(pos_) +
                        " of data.pkl)",
                    file_);
    }
    void need(size_t n) const {
        if (pos_ + n > size_) corrupt("pickle stream ends early");
    }
    uint8_t u8() {
        need(1);
        return data_[pos_++];
    }
    template <typename T> T readLE() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    std::string bytes(size_t n) {
        need(n);
        std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
        pos_ += n;
        return s;
    }
    std::string line() {
        size_t start = pos_;
        while (pos_ < size_ && data_[pos_] != '\n')
            ++pos_;
        if (pos_ >= size_) corrupt("unterminated text line");
        std::string s(reinterpret_cast<const char*>(data_ + start), pos_ - start);
        ++pos_;
        return s;
    }
    PyRef pop() {
        if (stack_.empty()) corrupt("stack underflow");
        auto v = stack_.back();
        stack_.pop_back();
        return v;
    }
    PyRef& top() {
        if (stack_.empty()) corrupt("stack underflow");
        return stack_.back();
    }
    std::vector<PyRef> popMark() {
        if (marks_.empty()) corrupt("missing MARK");
        size_t m = marks_.back();
        marks_.pop_back();
        if (m > stack_.size()) corrupt("bad MARK");
        std::vector<PyRef> v(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return v;
    }
    static PyRef mkInt(int64_t v) {
        auto o = PyObj::make(PyObj::Kind::Int);
        o->i = v;
        return o;
    }
    static PyRef mkStr(std::string s, PyObj::Kind k = PyObj::Kind::Str) {
        auto o = PyObj::make(k);
        o->s = std::move(s);
        return o;
    }
    static PyRef mkTuple(std::vector<PyRef> v) {
        auto o = PyObj::make(PyObj::Kind::Tuple);
        o->items = std::move(v);
        return o;
    }
    static int64_t longFromBytes(const std::string& b) {
        if (b.empty()) return 0;
        if (b.size() > 8) return 0; // too large for us; never used for shapes
        uint64_t v = 0;
        for (size_t k = 0; k < b.size(); ++k)
            v |= uint64_t(uint8_t(b[k])) << (8 * k);
        if (b.size() < 8 && (uint8_t(b.back()) & 0x80)) v |= ~uint64_t(0) << (8 * b.size());
        return static_cast<int64_t>(v);
    }

    std::vector<int64_t> intTuple(const PyRef& o, const char* what) {
        if (o->kind != PyObj::Kind::Tuple && o->kind != PyObj::Kind::List)
            corrupt(std::string("expected a tuple for the tensor ") + what);
        std::vector<int64_t> v;
        for (auto& e : o->items) {
            if (e->kind != PyObj::Kind::Int)
                corrupt(std::string("non-integer in the tensor ") + what);
            v.push_back(e->i);
        }
        return v;
    }

    PyRef persistentLoad(const PyRef& pid) {
        // ('storage', storage_type, key, location, numel)
        if (pid->kind != PyObj::Kind::Tuple || pid->items.size() < 5 ||
            pid->items[0]->kind != PyObj::Kind::Str || pid->items[0]->s != "storage")
            corrupt("unknown persistent id");
        const auto& type = pid->items[1];
        std::string typeName = type->kind == PyObj::Kind::Global ? type->s : type->s;
        std::string key = pid->items[2]->s;
        int64_t numel = pid->items[4]->kind == PyObj::Kind::Int ? pid->items[4]->i : -1;
        at::ScalarType dt = storageDtype(typeName, file_);
        auto it = storages_.find(key);
        if (it == storages_.end()) {
            std::string rec = "data/" + key;
            if (!reader_.hasRecord(rec))
                throw Error(ErrorCode::Corrupt,
                            file_ + ": damaged checkpoint (tensor data record '" + rec +
                                "' is missing)",
                            file_);
            auto [ptr, nbytes] = reader_.getRecord(rec);
            size_t elem = c10::elementSize(dt);
            if (numel >= 0 && size_t(numel) * elem > nbytes)
                throw Error(ErrorCode::Corrupt,
                            file_ + ": damaged checkpoint (tensor data record '" + rec +
                                "' holds " + std::to_string(nbytes) + " bytes, expected " +
                                std::to_string(size_t(numel) * elem) + ")",
                            file_);
            int64_t n = numel >= 0 ? numel : int64_t(nbytes / elem);
            // Storages are always mapped to the CPU, whatever device they were saved from.
            at::Tensor t = at::empty({n}, at::TensorOptions().dtype(dt).device(at::kCPU));
            if (n > 0) std::memcpy(t.data_ptr(), ptr.get(), size_t(n) * elem);
            it = storages_.emplace(key, t).first;
        }
        auto o = PyObj::make(PyObj::Kind::Storage);
        o->tensor = it->second;
        return o;
    }

    PyRef rebuildTensor(const std::vector<PyRef>& a) {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks, ...)
        if (a.size() < 4 || a[0]->kind != PyObj::Kind::Storage || a[1]->kind != PyObj::Kind::Int)
            corrupt("unexpected arguments to _rebuild_tensor_v2");
        auto size = intTuple(a[2], "size");
        auto stride = intTuple(a[3], "stride");
        if (size.size() != stride.size()) corrupt("tensor size/stride rank mismatch");
        const at::Tensor& st = a[0]->tensor;
        int64_t off = a[1]->i;
        int64_t maxIndex = off;
        bool empty = false;
        for (size_t k = 0; k < size.size(); ++k) {
            if (size[k] == 0) empty = true;
            maxIndex += (size[k] - 1) * stride[k];
        }
        if (!empty && (off < 0 || maxIndex >= st.numel()))
            corrupt("tensor view exceeds its storage");
        auto o = PyObj::make(PyObj::Kind::Tensor);
        o->tensor = empty ? at::empty(size, st.options()) : st.as_strided(size, stride, off);
        return o;
    }

    PyRef reduce(const PyRef& callable, const PyRef& args) {
        std::vector<PyRef> a;
        if (args->kind == PyObj::Kind::Tuple || args->kind == PyObj::Kind::List) a = args->items;
        const std::string name = callable->kind == PyObj::Kind::Global ? callable->s : "";
        if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
            return rebuildTensor(a);
        if (name == "torch._utils._rebuild_parameter" ||
            name == "torch._utils._rebuild_parameter_with_state") {
            if (a.empty() || a[0]->kind != PyObj::Kind::Tensor)
                corrupt("unexpected arguments to _rebuild_parameter");
            return a[0];
        }
        if (name == "collections.OrderedDict" || name == "builtins.dict" ||
            name == "__builtin__.dict") {
            auto d = PyObj::make(PyObj::Kind::Dict);
            if (!a.empty() && (a[0]->kind == PyObj::Kind::List)) {
                for (auto& kv : a[0]->items)
                    if (kv->kind == PyObj::Kind::Tuple && kv->items.size() == 2)
                        d->dict.emplace_back(kv->items[0], kv->items[1]);
            }
            return d;
        }
        if (name == "builtins.list" || name == "__builtin__.list") {
            auto l = PyObj::make(PyObj::Kind::List);
            if (!a.empty() && a[0]->kind == PyObj::Kind::List) l->items = a[0]->items;
            return l;
        }
        if (name == "builtins.set" || name == "builtins.frozenset" || name == "__builtin__.set") {
            auto l = PyObj::make(PyObj::Kind::List);
            if (!a.empty() && a[0]->kind == PyObj::Kind::List) l->items = a[0]->items;
            return l;
        }
        // Unknown objects (e.g. argparse.Namespace, numpy scalars, torch.device): kept
        // as opaque placeholders; they are only an error if they end up as a weight.
        return mkStr(name.empty() ? kindName(callable) : name, PyObj::Kind::Object);
    }

    PyRef loop() {
        using K = PyObj::Kind;
        for (;;) {
            uint8_t op = u8();
            switch (op) {
            case 0x80:
                u8();
                break; // PROTO
            case 0x95:
                readLE<uint64_t>();
                break; // FRAME
            case '.':
                return pop(); // STOP
            case '(':
                marks_.push_back(stack_.size());
                break;
            case ')':
                stack_.push_back(mkTuple({}));
                break;
            case ']':
                stack_.push_back(PyObj::make(K::List));
                break;
            case '}':
                stack_.push_back(PyObj::make(K::Dict));
                break;
            case 0x8f:
                stack_.push_back(PyObj::make(K::List));
                break; // EMPTY_SET
            case 'N':
                stack_.push_back(PyObj::make(K::None));
                break;
            case 0x88:
            case 0x89: {
                auto o = PyObj::make(K::Bool);
                o->b = op == 0x88;
                stack_.push_back(o);
                break;
            }
            case 'J':
                stack_.push_back(mkInt(readLE<int32_t>()));
                break;
            case 'K':
                stack_.push_back(mkInt(readLE<uint8_t>()));
                break;
            case 'M':
                stack_.push_back(mkInt(readLE<uint16_t>()));
                break;
            case 0x8a:
                stack_.push_back(mkInt(longFromBytes(bytes(u8()))));
                break;
            case 0x8b:
                stack_.push_back(mkInt(longFromBytes(bytes(readLE<uint32_t>()))));
                break;
            case 'I': {
                std::string l = line();
                if (l == "00" || l == "01") {
                    auto o = PyObj::make(K::Bool);
                    o->b = l == "01";
                    stack_.push_back(o);
                } else {
                    stack_.push_back(mkInt(std::stoll(l)));
                }
                break;
            }
            case 'L': {
                std::string l = line();
                if (!l.empty() && l.back() == 'L') l.pop_back();
                stack_.push_back(mkInt(std::stoll(l)));
                break;
            }
            case 'G': {
                need(8);
                uint64_t bits = 0;
                for (int k = 0; k < 8; ++k)
                    bits = (bits << 8) | data_[pos_ + size_t(k)];
                pos_ += 8;
                auto o = PyObj::make(K::Float);
                std::memcpy(&o->f, &bits, 8);
                stack_.push_back(o);
                break;
            }
            case 'F': {
                auto o = PyObj::make(K::Float);
                o->f = std::stod(line());
                stack_.push_back(o);
                break;
            }
            case 'X':
                stack_.push_back(mkStr(bytes(readLE<uint32_t>())));
                break;
            case 0x8c:
                stack_.push_back(mkStr(bytes(u8())));
                break;
            case 0x8d:
                stack_.push_back(mkStr(bytes(readLE<uint64_t>())));
                break;
            case 'V':
                stack_.push_back(mkStr(line()));
                break;
            case 'T':
                stack_.push_back(mkStr(bytes(readLE<uint32_t>())));
                break;
            case 'U':
                stack_.push_back(mkStr(bytes(u8())));
                break;
            case 'S':
                stack_.push_back(mkStr(line()));
                break;
            case 'B':
                stack_.push_back(mkStr(bytes(readLE<uint32_t>()), K::Bytes));
                break;
            case 'C':
                stack_.push_back(mkStr(bytes(u8()), K::Bytes));
                break;
            case 0x8e:
                stack_.push_back(mkStr(bytes(readLE<uint64_t>()), K::Bytes));
                break;
            case 0x96:
                stack_.push_back(mkStr(bytes(readLE<uint64_t>()), K::Bytes));
                break;
            case 'c': {
                std::string mod = line();
                std::string nm = line();
                stack_.push_back(mkStr(mod + "." + nm, K::Global));
                break;
            }
            case 0x93: { // STACK_GLOBAL
                auto nm = pop();
                auto mod = pop();
                stack_.push_back(mkStr(mod->s + "." + nm->s, K::Global));
                break;
            }
            case 'q':
                memo_[u8()] = top();
                break;
            case 'r':
                memo_[readLE<uint32_t>()] = top();
                break;
            case 'p':
                memo_[std::stoll(line())] = top();
                break;
            case 0x94:
                memo_[int64_t(memo_.size())] = top();
                break;
            case 'h':
            case 'j':
            case 'g': {
                int64_t k = op == 'h' ? u8() : op == 'j' ? readLE<uint32_t>() : std::stoll(line());
                auto it = memo_.find(k);
                if (it == memo_.end()) corrupt("memo key not found");
                stack_.push_back(it->second);
                break;
            }
            case 't':
                stack_.push_back(mkTuple(popMark()));
                break;
            case 0x85: {
                auto a = pop();
                stack_.push_back(mkTuple({a}));
                break;
            }
            case 0x86: {
                auto b = pop();
                auto a = pop();
                stack_.push_back(mkTuple({a, b}));
                break;
            }
            case 0x87: {
                auto c = pop();
                auto b = pop();
                auto a = pop();
                stack_.push_back(mkTuple({a, b, c}));
                break;
            }
            case 'l': {
                auto l = PyObj::make(K::List);
                l->items = popMark();
                stack_.push_back(l);
                break;
            }
            case 'd': {
                auto v = popMark();
                auto d = PyObj::make(K::Dict);
                for (size_t k = 0; k + 1 < v.size(); k += 2)
                    d->dict.emplace_back(v[k], v[k + 1]);
                stack_.push_back(d);
                break;
            }
            case 'a': {
                auto v = pop();
                auto& l = top();
                if (l->kind == K::List) l->items.push_back(v);
                break;
            }
            case 'e':
            case 0x90: { // APPENDS / ADDITEMS
                auto v = popMark();
                auto& l = top();
                if (l->kind == K::List) l->items.insert(l->items.end(), v.begin(), v.end());
                break;
            }
            case 0x91: { // FROZENSET
                auto l = PyObj::make(K::List);
                l->items = popMark();
                stack_.push_back(l);
                break;
            }
            case 's': {
                auto v = pop();
                auto k = pop();
                auto& d = top();
                if (d->kind == K::Dict) d->dict.emplace_back(k, v);
                break;
            }
            case 'u': {
                auto v = popMark();
                auto& d = top();
                if (d->kind == K::Dict)
                    for (size_t k = 0; k + 1 < v.size(); k += 2)
                        d->dict.emplace_back(v[k], v[k + 1]);
                break;
            }
            case 'R': {
                auto args = pop();
                auto fn = pop();
                stack_.push_back(reduce(fn, args));
                break;
            }
            case 0x81: { // NEWOBJ cls args
                auto args = pop();
                auto cls = pop();
                stack_.push_back(reduce(cls, args));
                break;
            }
            case 0x92: { // NEWOBJ_EX cls args kwargs
                pop();
                auto args = pop();
                auto cls = pop();
                stack_.push_back(reduce(cls, args));
                break;
            }
            case 'o': { // OBJ: mark cls args...
                auto v = popMark();
                if (v.empty()) corrupt("empty OBJ");
                std::vector<PyRef> rest(v.begin() + 1, v.end());
                stack_.push_back(reduce(v[0], mkTuple(rest)));
                break;
            }
            case 'i': { // INST module name, mark args
                std::string mod = line();
                std::string nm = line();
                auto v = popMark();
                stack_.push_back(reduce(mkStr(mod + "." + nm, K::Global), mkTuple(v)));
                break;
            }
            case 'b':
                pop();
                break; // BUILD: state ignored (e.g. OrderedDict._metadata)
            case 'Q': {
                auto pid = pop();
                stack_.push_back(persistentLoad(pid));
                break;
            }
            case '0':
                pop();
                break;
            case '1':
                popMark();
                break;
            case '2':
                stack_.push_back(top());
                break;
            case 0x97: // NEXT_BUFFER
            case 0x98: // READONLY_BUFFER
            default: {
                std::ostringstream os;
                os << "unsupported pickle opcode 0x" << std::hex << int(op);
                corrupt(os.str());
            }
            }
        }
    }
};

std::string readHead(const std::filesystem::path& p, size_t n) {
    std::ifstream f(p, std::ios::binary);
    std::string s(n, '\0');
    f.read(s.data(), static_cast<std::streamsize>(n));
    s.resize(static_cast<size_t>(f.gcount()));
    return s;
}

// Opens `path` as a PyTorch zip archive; classifies failures into actionable errors.
std::unique_ptr<caffe2::serialize::PyTorchStreamReader>
openArchive(const std::filesystem::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw Error(ErrorCode::NotFound, file + ": checkpoint file does not exist", file);
    if (std::filesystem::is_directory(path, ec))
        throw Error(ErrorCode::Unreadable, file + ": is a folder, not a checkpoint file", file);
    std::ifstream probe(path, std::ios::binary);
    if (!probe)
        throw Error(ErrorCode::Unreadable, file + ": cannot open the checkpoint file", file);
    auto size = std::filesystem::file_size(path, ec);
    if (size == 0) throw Error(ErrorCode::Corrupt, file + ": checkpoint file is empty", file);
    std::string head = readHead(path, 16);
    if (head.size() >= 2 && uint8_t(head[0]) == 0x80 && uint8_t(head[1]) <= 5) {
        throw Error(ErrorCode::Unsupported,
                    file + ": legacy (pre-1.6, non-zip) PyTorch checkpoint format cannot be "
                           "read; re-save it with a current PyTorch: "
                           "torch.save(torch.load(old), new)",
                    file);
    }
    if (head.size() < 4 || head.compare(0, 4, "PK\x03\x04") != 0)
        throw Error(ErrorCode::Unsupported,
                    file + ": is not a PyTorch checkpoint (not a zip archive written by "
                           "torch.save or torch.jit.save)",
                    file);
    try {
        return std::make_unique<caffe2::serialize::PyTorchStreamReader>(file);
    } catch (const c10::Error& e) {
        std::string what = e.what_without_backtrace();
        throw Error(ErrorCode::Corrupt,
                    file + ": truncated or damaged checkpoint archive (" +
                        what.substr(0, what.find('\n')) + ")",
                    file);
    }
}

void flatten(const PyRef& o, const std::string& prefix, std::vector<std::string>& order,
             std::map<std::string, at::Tensor>& out, std::vector<std::string>* bad) {
    if (o->kind == PyObj::Kind::Tensor) {
        if (!out.count(prefix)) order.push_back(prefix);
        out[prefix] = o->tensor;
        return;
    }
    if (o->kind == PyObj::Kind::Dict) {
        for (auto& [k, v] : o->dict) {
            std::string key = k->kind == PyObj::Kind::Str   ? k->s
                              : k->kind == PyObj::Kind::Int ? std::to_string(k->i)
                                                            : kindName(k);
            flatten(v, prefix.empty() ? key : prefix + "." + key, order, out, bad);
        }
        return;
    }
    if (bad) bad->push_back(prefix + " (" + kindName(o) + ")");
}

const PyRef* dictGet(const PyRef& d, const std::string& key) {
    for (auto& [k, v] : d->dict)
        if (k->kind == PyObj::Kind::Str && k->s == key) return &v;
    return nullptr;
}

bool isTensorDict(const PyRef& d) {
    if (d->kind != PyObj::Kind::Dict) return false;
    for (auto& [k, v] : d->dict)
        if (v->kind == PyObj::Kind::Tensor) return true;
    return false;
}

std::string dtypeName(at::ScalarType t) {
    switch (t) {
    case at::kFloat:
        return "float32";
    case at::kDouble:
        return "float64";
    case at::kHalf:
        return "float16";
    case at::kBFloat16:
        return "bfloat16";
    case at::kLong:
        return "int64";
    case at::kInt:
        return "int32";
    case at::kShort:
        return "int16";
    case at::kChar:
        return "int8";
    case at::kByte:
        return "uint8";
    case at::kBool:
        return "bool";
    default:
        return c10::toString(t);
    }
}

void stripModulePrefix(LoadedStateDict& sd) {
    if (sd.tensors.empty()) return;
    for (auto& k : sd.order)
        if (k.rfind("module.", 0) != 0) return;
    std::map<std::string, at::Tensor> t;
    for (auto& k : sd.order) {
        t[k.substr(7)] = sd.tensors[k];
        k = k.substr(7);
    }
    sd.tensors = std::move(t);
}

PyRef unpickleArchive(caffe2::serialize::PyTorchStreamReader& reader, const std::string& file) {
    if (!reader.hasRecord("data.pkl"))
        throw Error(ErrorCode::Unsupported,
                    file + ": zip archive without data.pkl: not a torch.save checkpoint", file);
    Unpickler u(reader, file);
    try {
        return u.run("data.pkl");
    } catch (const c10::Error& e) {
        std::string what = e.what_without_backtrace();
        throw Error(ErrorCode::Corrupt,
                    file + ": truncated or damaged checkpoint archive (" +
                        what.substr(0, what.find('\n')) + ")",
                    file);
    }
}

} // namespace

LoadedStateDict loadCheckpoint(const std::filesystem::path& path, bool preferEma) {
    const std::string file = path.string();
    auto reader = openArchive(path);
    LoadedStateDict sd;
    bool torchScript = reader->hasRecord("constants.pkl");
    if (torchScript) {
        reader.reset();
        sd.kind = CheckpointKind::TorchScript;
        try {
            auto m = torch::jit::load(file, at::Device(at::kCPU));
            for (const auto& p : m.named_parameters(true)) {
                sd.order.push_back(p.name);
                sd.tensors[p.name] = p.value.detach();
            }
            for (const auto& b : m.named_buffers(true)) {
                if (sd.tensors.count(b.name)) continue;
                sd.order.push_back(b.name);
                sd.tensors[b.name] = b.value.detach();
            }
        } catch (const c10::Error& e) {
            std::string what = e.what_without_backtrace();
            throw Error(ErrorCode::Corrupt,
                        file + ": cannot load the TorchScript module (" +
                            what.substr(0, what.find('\n')) + ")",
                        file);
        }
        stripModulePrefix(sd);
        return sd;
    }
    PyRef root = unpickleArchive(*reader, file);
    PyRef sdObj = root;
    if (root->kind == PyObj::Kind::Dict) {
        std::vector<std::string> wrappers =
            preferEma ? std::vector<std::string>{"params_ema", "params", "state_dict", "model"}
                      : std::vector<std::string>{"params", "params_ema", "state_dict", "model"};
        for (auto& w : wrappers) {
            const PyRef* inner = dictGet(root, w);
            if (inner && isTensorDict(*inner)) {
                sdObj = *inner;
                sd.wrapper = w;
                break;
            }
        }
    }
    if (sdObj->kind != PyObj::Kind::Dict)
        throw Error(ErrorCode::Unsupported,
                    file + ": checkpoint holds a " + kindName(sdObj) +
                        ", not a state_dict (a dict of tensors)",
                    file);
    std::vector<std::string> bad;
    for (auto& [k, v] : sdObj->dict) {
        std::string key = k->kind == PyObj::Kind::Str ? k->s : kindName(k);
        if (v->kind == PyObj::Kind::Tensor) {
            if (!sd.tensors.count(key)) sd.order.push_back(key);
            sd.tensors[key] = v->tensor;
        } else {
            bad.push_back(key + " (" + kindName(v) + ")");
        }
    }
    if (sd.tensors.empty())
        throw Error(
            ErrorCode::Unsupported,
            file + ": checkpoint holds no tensors" +
                (bad.empty() ? std::string() : " (top-level keys: " + bad.front() + ", ...)"),
            file);
    if (!bad.empty()) {
        std::string list;
        for (size_t k = 0; k < bad.size() && k < 5; ++k)
            list += (k ? ", " : "") + bad[k];
        throw Error(ErrorCode::Unsupported,
                    file + ": state_dict entries that are not tensors: " + list +
                        (bad.size() > 5 ? " (+" + std::to_string(bad.size() - 5) + " more)" : ""),
                    file);
    }
    stripModulePrefix(sd);
    return sd;
}

std::map<std::string, at::Tensor> loadStateDict(const std::filesystem::path& path) {
    return loadCheckpoint(path).tensors;
}

std::map<std::string, at::Tensor> loadTensorDict(const std::filesystem::path& path) {
    auto reader = openArchive(path);
    PyRef root = unpickleArchive(*reader, path.string());
    std::map<std::string, at::Tensor> out;
    std::vector<std::string> order;
    flatten(root, "", order, out, nullptr);
    return out;
}

std::map<std::string, TensorInfo> inspectCheckpoint(const std::filesystem::path& path) {
    auto sd = loadCheckpoint(path);
    std::map<std::string, TensorInfo> out;
    for (auto& [k, t] : sd.tensors)
        out[k] = TensorInfo{t.sizes().vec(), dtypeName(t.scalar_type())};
    return out;
}

// ---------------------------------------------------------------------------------------
// Writer. The pickle stream mirrors what torch.save (protocol 2) emits for
// {'params': OrderedDict(...)}: each tensor is
//   torch._utils._rebuild_tensor_v2(<persistent storage>, 0, size, stride, False,
//                                   OrderedDict())
// with the storage as BINPERSID ('storage', torch.<T>Storage, '<key>', 'cpu', numel) and its
// bytes in the record data/<key>. Python's torch.load (also with weights_only=True: only
// allow-listed globals are used) and loadCheckpoint() above read it.
namespace {

class PickleWriter {
public:
    std::string out;
    void op(uint8_t c) { out.push_back(char(c)); }
    void str(const std::string& s) {
        op('X');
        uint32_t n = uint32_t(s.size());
        out.append(reinterpret_cast<const char*>(&n), 4);
        out += s;
    }
    void integer(int64_t v) {
        if (v >= 0 && v < 256) {
            op('K');
            op(uint8_t(v));
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            int32_t x = int32_t(v);
            out.append(reinterpret_cast<const char*>(&x), 4);
        } else {
            op(0x8a);
            op(8);
            out.append(reinterpret_cast<const char*>(&v), 8);
        }
    }
    void global(const std::string& mod, const std::string& name) {
        op('c');
        out += mod + "\n" + name + "\n";
    }
    void intTuple(const std::vector<int64_t>& v) {
        op('(');
        for (auto x : v)
            integer(x);
        op('t');
    }
    void orderedDictEmpty() {
        global("collections", "OrderedDict");
        op(')');
        op('R');
    }
};

const char* storageName(at::ScalarType t) {
    switch (t) {
    case at::kFloat:
        return "FloatStorage";
    case at::kDouble:
        return "DoubleStorage";
    case at::kHalf:
        return "HalfStorage";
    case at::kBFloat16:
        return "BFloat16Storage";
    case at::kLong:
        return "LongStorage";
    case at::kInt:
        return "IntStorage";
    case at::kShort:
        return "ShortStorage";
    case at::kChar:
        return "CharStorage";
    case at::kByte:
        return "ByteStorage";
    case at::kBool:
        return "BoolStorage";
    default:
        return nullptr;
    }
}

} // namespace

void saveCheckpoint(const std::filesystem::path& path,
                    const std::map<std::string, at::Tensor>& tensors,
                    const std::vector<std::string>& order, const std::string& wrapper) {
    const std::string file = path.string();
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (auto& k : order)
        if (tensors.count(k) && seen.insert(k).second) keys.push_back(k);
    for (auto& [k, t] : tensors)
        if (seen.insert(k).second) keys.push_back(k);

    std::vector<at::Tensor> data;
    PickleWriter w;
    w.op(0x80);
    w.op(2);
    if (!wrapper.empty()) {
        w.op('}');
        w.str(wrapper);
    }
    w.global("collections", "OrderedDict");
    w.op(')');
    w.op('R');
    w.op('(');
    for (size_t idx = 0; idx < keys.size(); ++idx) {
        const at::Tensor& src = tensors.at(keys[idx]);
        if (!src.defined())
            throw Error(ErrorCode::InvalidArgument,
                        file + ": cannot save undefined tensor '" + keys[idx] + "'", file);
        const char* sname = storageName(src.scalar_type());
        if (!sname)
            throw Error(ErrorCode::Unsupported,
                        file + ": cannot save tensor '" + keys[idx] + "' of dtype " +
                            dtypeName(src.scalar_type()),
                        file);
        at::Tensor t = src.detach().to(at::kCPU).contiguous();
        data.push_back(t);
        w.str(keys[idx]);
        w.global("torch._utils", "_rebuild_tensor_v2");
        w.op('(');
        // persistent id
        w.op('(');
        w.str("storage");
        w.global("torch", sname);
        w.str(std::to_string(idx));
        w.str("cpu");
        w.integer(t.numel());
        w.op('t');
        w.op('Q');
        w.integer(0);
        w.intTuple(t.sizes().vec());
        w.intTuple(t.strides().vec());
        w.op(0x89); // requires_grad False
        w.orderedDictEmpty();
        w.op('t');
        w.op('R');
    }
    w.op('u');
    if (!wrapper.empty()) w.op('s');
    w.op('.');

    vf::AtomicFile af(path);
    {
        std::ofstream os(af.tempPath(), std::ios::binary | std::ios::trunc);
        if (!os) throw Error(ErrorCode::WriteFailed, file + ": cannot write the checkpoint", file);
        auto writer = [&os](const void* buf, size_t n) -> size_t {
            os.write(static_cast<const char*>(buf), static_cast<std::streamsize>(n));
            return os ? n : 0;
        };
        try {
            caffe2::serialize::PyTorchStreamWriter zw(writer);
            zw.writeRecord("data.pkl", w.out.data(), w.out.size());
            zw.writeRecord("byteorder", "little", 6);
            for (size_t idx = 0; idx < data.size(); ++idx)
                zw.writeRecord("data/" + std::to_string(idx), data[idx].data_ptr(),
                               size_t(data[idx].numel()) * data[idx].element_size());
            zw.writeEndOfFile();
        } catch (const c10::Error& e) {
            std::string what = e.what_without_backtrace();
            throw Error(ErrorCode::WriteFailed,
                        file + ": writing the checkpoint failed (" +
                            what.substr(0, what.find('\n')) + ")",
                        file);
        }
        os.flush();
        if (!os)
            throw Error(ErrorCode::WriteFailed,
                        file + ": writing the checkpoint failed (disk full?)", file);
    }
    af.commit();
}

} // namespace vf::model
