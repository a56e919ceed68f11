#include "config/ConfigFile.h"

#include <functional>

#include <yaml-cpp/yaml.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include "config/ConfigTree.h"
#include "config/Variables.h"

namespace Fcemu::Config {

using detail::Json;
using detail::Object;
using detail::Source;

QString formatName(ConfigFormat format)
{
    switch (format) {
    case ConfigFormat::ServerlessDevsFc:
        return u"Serverless Devs s.yaml (component fc)"_qs;
    case ConfigFormat::ServerlessDevsFc3:
        return u"Serverless Devs s.yaml (component fc3)"_qs;
    case ConfigFormat::Funcraft:
        return u"Funcraft template.yml"_qs;
    case ConfigFormat::Plain:
        return u"function JSON"_qs;
    }
    return {};
}

namespace {

constexpr qint64 kMaxFileBytes = 4 << 20;
// Aliases can expand a small YAML file into a huge tree ("billion laughs"); stop early.
constexpr int kMaxNodes = 200000;
constexpr int kMaxDepth = 200;

const QString kCustomContainer = u"custom-container"_qs;

// ---- parsing -------------------------------------------------------------------------

struct Parsed
{
    Json root;
    Source source;
};

class YamlConverter final
{
public:
    explicit YamlConverter(Source &source) : m_source(source) {}

    Result<Json> convert(const YAML::Node &node, const std::string &path, int depth)
    {
        if (++m_nodes > kMaxNodes)
            return fail(ErrorKind::Usage,
                        m_source.file + u": the YAML expands to too many nodes (aliases nested "
                                        u"too deep?); fcemu reads at most %1"_qs.arg(kMaxNodes));
        if (depth > kMaxDepth)
            return fail(ErrorKind::Usage,
                        u"%1:%2: the YAML is nested more than %3 levels deep"_qs.arg(
                            m_source.file, QString::number(node.Mark().line + 1),
                            QString::number(kMaxDepth)));
        switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return Json();
        case YAML::NodeType::Scalar:
            return scalar(node);
        case YAML::NodeType::Sequence: {
            Json array = Json::array();
            int index = 0;
            for (const YAML::Node &item : node) {
                const std::string itemPath = path + '[' + std::to_string(index++) + ']';
                remember(itemPath, item.Mark());
                auto value = convert(item, itemPath, depth + 1);
                if (!value)
                    return value;
                array.push_back(std::move(*value));
            }
            return array;
        }
        case YAML::NodeType::Map: {
            Json object = Json::object();
            std::vector<Json> merges;
            for (auto it = node.begin(); it != node.end(); ++it) {
                // Copies: `it->` hands out a temporary pair, so references into it dangle.
                const YAML::Node keyNode = it->first;
                const YAML::Node valueNode = it->second;
                if (!keyNode.IsScalar())
                    return fail(
                        ErrorKind::Usage,
                        u"%1:%2: %3: keys must be plain text, not lists or mappings"_qs.arg(
                            m_source.file, QString::number(keyNode.Mark().line + 1),
                            path.empty() ? u"(top level)"_qs : QString::fromStdString(path)));
                const std::string key = keyNode.Scalar();
                const std::string childPath = detail::joinPath(path, key);
                auto value = convert(valueNode, childPath, depth + 1);
                if (!value)
                    return value;
                if (key == "<<" && keyNode.Tag() != "!") {
                    merges.push_back(std::move(*value));
                    continue;
                }
                remember(childPath, keyNode.Mark());
                object[key] = std::move(*value);
            }
            // YAML merge keys (<<: *base): explicit keys win over merged ones.
            for (const Json &merge : merges) {
                const auto merged = merge.is_array() ? merge : Json::array({merge});
                for (const Json &map : merged) {
                    if (!map.is_object())
                        continue;
                    for (auto it = map.begin(); it != map.end(); ++it) {
                        if (!object.contains(it.key()))
                            object[it.key()] = it.value();
                    }
                }
            }
            return object;
        }
        }
        return Json();
    }

private:
    void remember(const std::string &path, const YAML::Mark &mark)
    {
        if (mark.line >= 0)
            m_source.lines.emplace(path, mark.line + 1);
    }

    // YAML 1.2 core schema, as js-yaml (Serverless Devs, Funcraft) reads it: a plain
    // scalar may be null, a boolean, an integer or a float; a quoted one is text.
    static Json scalar(const YAML::Node &node)
    {
        const std::string &text = node.Scalar();
        const std::string &tag = node.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str")
            return text;
        static const QRegularExpression intPattern(u"\\A[-+]?[0-9]+\\z"_qs);
        static const QRegularExpression floatPattern(
            u"\\A[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?\\z"_qs);
        if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
            return Json();
        if (text == "true" || text == "True" || text == "TRUE")
            return true;
        if (text == "false" || text == "False" || text == "FALSE")
            return false;
        const QString q = QString::fromStdString(text);
        bool ok = false;
        if (intPattern.match(q).hasMatch()) {
            const qint64 value = q.toLongLong(&ok);
            if (ok)
                return value;
        }
        if (floatPattern.match(q).hasMatch()) {
            const double value = q.toDouble(&ok);
            if (ok)
                return value;
        }
        return text;
    }

    Source &m_source;
    int m_nodes = 0;
};

Result<Parsed> parseFile(const QString &path)
{
    Parsed parsed;
    parsed.source.file = path;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Usage,
                    path + u": cannot read the configuration file: "_qs + file.errorString());
    if (file.size() > kMaxFileBytes)
        return fail(ErrorKind::Usage, path + u": the configuration file is larger than 4 MB"_qs);
    QByteArray bytes = file.read(kMaxFileBytes + 1);
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes.remove(0, 3);
    const QByteArray trimmed = bytes.trimmed();
    if (trimmed.isEmpty())
        return fail(ErrorKind::Usage, path + u": the configuration file is empty"_qs);

    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        try {
            parsed.root = Json::parse(bytes.constData(), bytes.constData() + bytes.size());
        } catch (const Json::parse_error &e) {
            const qsizetype upTo = std::min<qsizetype>(qsizetype(e.byte), bytes.size());
            const qsizetype line = bytes.left(upTo).count('\n') + 1;
            // nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1,
            // column 5: syntax error while parsing value - invalid literal; ..."; keep the
            // part after the position.
            QString what = QString::fromUtf8(e.what());
            if (const qsizetype colon = what.indexOf(u": "_qs); colon >= 0)
                what = what.mid(colon + 2);
            return fail(ErrorKind::Usage,
                        u"%1:%2: invalid JSON: %3"_qs.arg(path, QString::number(line), what));
        } catch (const Json::exception &e) {
            // The parser reports a number too large for a double ({"memorySize": 1e999}) as
            // out_of_range.406, not as a parse_error; it carries no position (issue 15: this
            // escaped and aborted fcemu). Keep what follows "[json.exception.out_of_range.406] ".
            QString what = QString::fromUtf8(e.what());
            if (const qsizetype bracket = what.indexOf(u"] "_qs); bracket >= 0)
                what = what.mid(bracket + 2);
            return fail(ErrorKind::Usage, path + u": invalid JSON: "_qs + what);
        }
    } else {
        YAML::Node node;
        try {
            node = YAML::Load(bytes.toStdString());
        } catch (const YAML::Exception &e) {
            return fail(ErrorKind::Usage,
                        u"%1:%2: invalid YAML: %3"_qs.arg(path, QString::number(e.mark.line + 1),
                                                          QString::fromStdString(e.msg)));
        }
        try {
            YamlConverter converter(parsed.source);
            auto root = converter.convert(node, {}, 0);
            if (!root)
                return std::unexpected(root.error());
            parsed.root = std::move(*root);
        } catch (const YAML::Exception &e) {
            return fail(ErrorKind::Usage,
                        u"%1:%2: invalid YAML: %3"_qs.arg(path, QString::number(e.mark.line + 1),
                                                          QString::fromStdString(e.msg)));
        }
    }
    if (!parsed.root.is_object())
        return fail(ErrorKind::Usage,
                    path + u": expected a mapping of keys at the top level, got "_qs +
                        detail::describe(parsed.root));
    // An s.yaml's ${vars.x}, ${env('X')}, ... resolved as `s` resolves them, with the .env
    // beside the file.
    if (parsed.root.contains("resources") || parsed.root.contains("services")) {
        detail::VariableContext context;
        context.dotEnvFile = QFileInfo(path).dir().filePath(u".env"_qs);
        if (auto ok = detail::resolveVariables(parsed.root, parsed.source, context); !ok)
            return std::unexpected(ok.error());
    }
    return parsed;
}

ConfigFormat detect(const Json &root)
{
    if (root.contains("resources") || root.contains("services") || root.contains("edition")) {
        if (root.contains("resources"))
            return ConfigFormat::ServerlessDevsFc3;
        return ConfigFormat::ServerlessDevsFc;
    }
    if (root.contains("Resources") || root.contains("ROSTemplateFormatVersion") ||
        root.contains("Transform"))
        return ConfigFormat::Funcraft;
    return ConfigFormat::Plain;
}

// "devsapp/fc@0.1.2" -> "fc"
QString componentName(const Json &value)
{
    if (!value.is_string())
        return {};
    QString name = QString::fromStdString(value.get<std::string>()).trimmed();
    if (const qsizetype at = name.indexOf(u'@'); at >= 0)
        name.truncate(at);
    if (const qsizetype slash = name.lastIndexOf(u'/'); slash >= 0)
        name = name.mid(slash + 1);
    return name.toLower();
}

// ---- format mappers ------------------------------------------------------------------

void collect(Status &ok, Status step)
{
    if (ok && !step)
        ok = std::move(step);
}

// Serverless Devs fc (edition 1.0.0) props.function, fc-semantics §8.5.
Status applyFcFunction(const Object &f, FunctionConfig &c)
{
    Status ok;
    collect(ok, f.readString("name", c.name));
    collect(ok, f.readString("handler", c.handler));
    collect(ok, f.readInt("memorySize", c.memoryMB));
    collect(ok, f.readOptionalDouble("cpu", c.cpu));
    collect(ok, f.readInt("timeout", c.timeoutS));
    collect(ok, f.readInt("caPort", c.caPort));
    collect(ok, f.readInt("diskSize", c.diskSizeMB));
    collect(ok, f.readInt("instanceConcurrency", c.instanceConcurrency));
    collect(ok, f.readEnv("environmentVariables", c.env));
    collect(ok, f.readHook("initializer", c.initializer, "handler", "timeout", u"initializer"_qs));
    collect(ok, f.readInt("initializationTimeout", c.initializer.timeoutS));
    collect(ok, f.readBool("webServerMode", c.webServerMode));
    if (!ok)
        return ok;
    QString instanceType;
    collect(ok, f.readString("instanceType", instanceType));
    if (instanceType.contains(u"gpu"_qs, Qt::CaseInsensitive) || f.has("gpuMemorySize"))
        c.instanceType = InstanceType::Gpu;

    auto lifecycle = f.object("instanceLifecycleConfig");
    if (!lifecycle)
        return std::unexpected(lifecycle.error());
    if (*lifecycle) {
        collect(ok,
                (*lifecycle)
                    ->readHook("preFreeze", c.preFreeze, "handler", "timeout", u"preFreeze"_qs));
        collect(ok,
                (*lifecycle)->readHook("preStop", c.preStop, "handler", "timeout", u"preStop"_qs));
    }
    auto container = f.object("customContainerConfig");
    if (!container)
        return std::unexpected(container.error());
    if (*container) {
        // command and args are JSON arrays in strings here ('["node"]'); lists work too.
        collect(ok, (*container)->readStringList("command", c.command));
        collect(ok, (*container)->readStringList("args", c.args));
        collect(ok, (*container)->readBool("webServerMode", c.webServerMode));
    }
    return ok;
}

// Serverless Devs fc3 (edition 3.0.0) resources.*.props, fc-semantics §8.4.
Status applyFc3Props(const Object &p, FunctionConfig &c)
{
    Status ok;
    c.billing = BillingModel::Fc3;
    collect(ok, p.readString("region", c.region));
    collect(ok, p.readString("functionName", c.name));
    collect(ok, p.readString("handler", c.handler));
    collect(ok, p.readInt("memorySize", c.memoryMB));
    collect(ok, p.readOptionalDouble("cpu", c.cpu));
    collect(ok, p.readInt("diskSize", c.diskSizeMB));
    collect(ok, p.readInt("timeout", c.timeoutS));
    collect(ok, p.readInt("instanceConcurrency", c.instanceConcurrency));
    collect(ok, p.readEnv("environmentVariables", c.env));
    collect(ok, p.readBool("internetAccess", c.internetAccess));
    if (!ok)
        return ok;
    if (p.has("gpuConfig"))
        c.instanceType = InstanceType::Gpu;

    auto container = p.object("customContainerConfig");
    if (!container)
        return std::unexpected(container.error());
    if (*container) {
        // FC3 entrypoint is FC2 command; FC3 command is FC2 args (fc-semantics §8.1).
        collect(ok, (*container)->readStringList("entrypoint", c.command));
        collect(ok, (*container)->readStringList("command", c.args));
        collect(ok, (*container)->readInt("port", c.caPort));
        // FC3 has no non-web-server mode; accept the FC2 key for files converted by hand.
        collect(ok, (*container)->readBool("webServerMode", c.webServerMode));
    }
    auto lifecycle = p.object("instanceLifecycleConfig");
    if (!lifecycle)
        return std::unexpected(lifecycle.error());
    if (*lifecycle) {
        collect(ok, (*lifecycle)
                        ->readHook("initializer", c.initializer, "handler", "timeout",
                                   u"initializer"_qs));
        collect(ok,
                (*lifecycle)->readHook("preStop", c.preStop, "handler", "timeout", u"preStop"_qs));
    }
    auto provision = p.object("provisionConfig");
    if (!provision)
        return std::unexpected(provision.error());
    if (*provision)
        collect(ok, (*provision)->readInt("defaultTarget", c.provisioned));
    return ok;
}

// Funcraft Aliyun::Serverless::Function Properties, fc-semantics §8.6.
Status applyFuncraftProperties(const Object &p, FunctionConfig &c)
{
    Status ok;
    collect(ok, p.readString("Handler", c.handler));
    collect(ok, p.readInt("MemorySize", c.memoryMB));
    collect(ok, p.readInt("Timeout", c.timeoutS));
    collect(ok, p.readInt("CAPort", c.caPort));
    collect(ok, p.readInt("InstanceConcurrency", c.instanceConcurrency));
    collect(ok, p.readEnv("EnvironmentVariables", c.env));
    collect(ok, p.readHook("Initializer", c.initializer, "Handler", "Timeout", u"initializer"_qs));
    collect(ok, p.readInt("InitializationTimeout", c.initializer.timeoutS));
    if (!ok)
        return ok;
    QString instanceType;
    collect(ok, p.readString("InstanceType", instanceType));
    if (instanceType.contains(u"gpu"_qs, Qt::CaseInsensitive) || p.has("GpuMemorySize"))
        c.instanceType = InstanceType::Gpu;

    auto container = p.object("CustomContainerConfig");
    if (!container)
        return std::unexpected(container.error());
    if (*container) {
        collect(ok, (*container)->readStringList("Command", c.command));
        collect(ok, (*container)->readStringList("Args", c.args));
        collect(ok, (*container)->readBool("WebServerMode", c.webServerMode));
    }
    auto lifecycle = p.object("InstanceLifecycleConfig");
    if (!lifecycle)
        return std::unexpected(lifecycle.error());
    if (*lifecycle) {
        collect(ok,
                (*lifecycle)
                    ->readHook("PreFreeze", c.preFreeze, "Handler", "Timeout", u"preFreeze"_qs));
        collect(ok,
                (*lifecycle)->readHook("PreStop", c.preStop, "Handler", "Timeout", u"preStop"_qs));
    }
    return ok;
}

// ---- picking a function --------------------------------------------------------------

struct Candidate
{
    QString name;        // the function name
    QString resourceKey; // the key it sits under (s.yaml resource, Funcraft function key)
    QString runtime;
    std::function<Status(FunctionConfig &)> apply;

    bool isCustomContainer() const { return runtime.isEmpty() || runtime == kCustomContainer; }
};

Result<QList<Candidate>> candidates(const Parsed &parsed, ConfigFormat format)
{
    const Source &source = parsed.source;
    const Object root(parsed.root, {}, source);
    QList<Candidate> result;

    auto runtimeOf = [](const Object &o, const char *key, bool hasContainer) -> QString {
        const Json *value = o.get(key);
        if (value && value->is_string())
            return QString::fromStdString(value->get<std::string>()).trimmed().toLower();
        // Without a runtime, a customContainerConfig still marks a custom container.
        return hasContainer ? kCustomContainer : u"(no runtime)"_qs;
    };

    switch (format) {
    case ConfigFormat::ServerlessDevsFc3: {
        auto resources = root.object("resources");
        if (!resources)
            return std::unexpected(resources.error());
        if (!*resources)
            break;
        const Json &all = (*resources)->json();
        for (auto it = all.begin(); it != all.end(); ++it) {
            if (!it.value().is_object() ||
                componentName(it.value().value("component", Json())) != u"fc3"_qs)
                continue;
            const Object resource(it.value(), (*resources)->pathOf(it.key().c_str()), source);
            auto props = resource.object("props");
            if (!props)
                return std::unexpected(props.error());
            if (!*props)
                return std::unexpected(source.error(resource.pathOf("props"),
                                                    u"missing: an fc3 resource needs props"_qs));
            const Object p = **props;
            Candidate candidate;
            candidate.resourceKey = QString::fromStdString(it.key());
            candidate.name = candidate.resourceKey;
            if (auto ok = p.readString("functionName", candidate.name); !ok)
                return std::unexpected(ok.error());
            candidate.runtime = runtimeOf(p, "runtime", p.has("customContainerConfig"));
            candidate.apply = [p](FunctionConfig &c) { return applyFc3Props(p, c); };
            result.append(candidate);
        }
        break;
    }
    case ConfigFormat::ServerlessDevsFc: {
        auto services = root.object("services");
        if (!services)
            return std::unexpected(services.error());
        if (!*services)
            break;
        const Json &all = (*services)->json();
        for (auto it = all.begin(); it != all.end(); ++it) {
            if (!it.value().is_object() ||
                componentName(it.value().value("component", Json())) != u"fc"_qs)
                continue;
            const Object service(it.value(), (*services)->pathOf(it.key().c_str()), source);
            auto props = service.object("props");
            if (!props)
                return std::unexpected(props.error());
            if (!*props)
                return std::unexpected(source.error(service.pathOf("props"),
                                                    u"missing: an fc service needs props"_qs));
            const Object p = **props;
            auto function = p.object("function");
            if (!function)
                return std::unexpected(function.error());
            if (!*function)
                continue; // a service-only entry (for example to create a service and its role)
            const Object f = **function;
            Candidate candidate;
            candidate.resourceKey = QString::fromStdString(it.key());
            candidate.name = candidate.resourceKey;
            if (auto ok = f.readString("name", candidate.name); !ok)
                return std::unexpected(ok.error());
            candidate.runtime = runtimeOf(f, "runtime", f.has("customContainerConfig"));
            candidate.apply = [p, f](FunctionConfig &c) -> Status {
                Status ok;
                collect(ok, p.readString("region", c.region));
                const Json *serviceValue = p.get("service");
                if (serviceValue && serviceValue->is_string()) {
                    collect(ok, p.readString("service", c.serviceName));
                } else {
                    auto s = p.object("service");
                    if (!s)
                        return std::unexpected(s.error());
                    if (*s) {
                        collect(ok, (*s)->readString("name", c.serviceName));
                        // FC2 sets it on the service (fc-semantics: ServiceConfig)
                        collect(ok, (*s)->readBool("internetAccess", c.internetAccess));
                    }
                }
                if (!ok)
                    return ok;
                return applyFcFunction(f, c);
            };
            result.append(candidate);
        }
        break;
    }
    case ConfigFormat::Funcraft: {
        auto resources = root.object("Resources");
        if (!resources)
            return std::unexpected(resources.error());
        if (!*resources)
            break;
        auto typeOf = [](const Json &node) -> QString {
            const Json type = node.is_object() ? node.value("Type", Json()) : Json();
            return type.is_string() ? QString::fromStdString(type.get<std::string>()).trimmed()
                                    : QString();
        };
        auto addFunction = [&](const Object &parent, const std::string &key,
                               const QString &serviceName) -> Status {
            const Object fn(parent.json().at(key), parent.pathOf(key.c_str()), source);
            auto props = fn.object("Properties");
            if (!props)
                return std::unexpected(props.error());
            static const Json empty = Json::object();
            const Object p = *props ? **props : Object(empty, fn.pathOf("Properties"), source);
            Candidate candidate;
            candidate.name = candidate.resourceKey = QString::fromStdString(key);
            candidate.runtime = runtimeOf(p, "Runtime", p.has("CustomContainerConfig"));
            candidate.apply = [p, name = candidate.name, serviceName](FunctionConfig &c) {
                c.name = name;
                if (!serviceName.isEmpty())
                    c.serviceName = serviceName;
                return applyFuncraftProperties(p, c);
            };
            result.append(candidate);
            return {};
        };
        const Object &r = **resources;
        for (auto it = r.json().begin(); it != r.json().end(); ++it) {
            const QString type = typeOf(it.value());
            if (type == u"Aliyun::Serverless::Function"_qs) {
                if (auto ok = addFunction(r, it.key(), {}); !ok)
                    return std::unexpected(ok.error());
            } else if (type == u"Aliyun::Serverless::Service"_qs) {
                const Object service(it.value(), r.pathOf(it.key().c_str()), source);
                for (auto fn = it.value().begin(); fn != it.value().end(); ++fn) {
                    if (typeOf(fn.value()) != u"Aliyun::Serverless::Function"_qs)
                        continue;
                    if (auto ok = addFunction(service, fn.key(), QString::fromStdString(it.key()));
                        !ok)
                        return std::unexpected(ok.error());
                }
            }
        }
        break;
    }
    case ConfigFormat::Plain: {
        Candidate candidate;
        candidate.name = u"fcemu-function"_qs;
        if (auto ok = root.readString("functionName", candidate.name); !ok)
            return std::unexpected(ok.error());
        const Json *runtime = root.get("runtime");
        if (runtime && runtime->is_string())
            candidate.runtime =
                QString::fromStdString(runtime->get<std::string>()).trimmed().toLower();
        candidate.apply = [root](FunctionConfig &c) { return detail::applyPlain(root, c); };
        result.append(candidate);
        break;
    }
    }
    return result;
}

QString whereToLook(ConfigFormat format)
{
    switch (format) {
    case ConfigFormat::ServerlessDevsFc:
        return u"looked under services for component fc with props.function of runtime "
               u"custom-container"_qs;
    case ConfigFormat::ServerlessDevsFc3:
        return u"looked under resources for component fc3 with runtime custom-container"_qs;
    case ConfigFormat::Funcraft:
        return u"looked under Resources for Type Aliyun::Serverless::Function with Runtime "
               u"custom-container"_qs;
    case ConfigFormat::Plain:
        break;
    }
    return {};
}

} // namespace

Result<ConfigFormat> detectConfigFormat(const QString &path)
{
    auto parsed = parseFile(path);
    if (!parsed)
        return std::unexpected(parsed.error());
    return detect(parsed->root);
}

Result<QStringList> listConfigFunctions(const QString &path)
{
    auto parsed = parseFile(path);
    if (!parsed)
        return std::unexpected(parsed.error());
    auto all = candidates(*parsed, detect(parsed->root));
    if (!all)
        return std::unexpected(all.error());
    QStringList names;
    for (const Candidate &candidate : *all) {
        if (candidate.isCustomContainer())
            names.append(candidate.name);
    }
    return names;
}

Result<FunctionConfig> loadConfigFile(const QString &path, const QString &functionName)
{
    auto parsed = parseFile(path);
    if (!parsed)
        return std::unexpected(parsed.error());
    const ConfigFormat format = detect(parsed->root);
    auto all = candidates(*parsed, format);
    if (!all)
        return std::unexpected(all.error());

    const Candidate *chosen = nullptr;
    QStringList customNames;
    QStringList otherRuntimes;
    for (const Candidate &candidate : *all) {
        if (candidate.isCustomContainer())
            customNames.append(candidate.name);
        else
            otherRuntimes.append(u"'%1' (%2)"_qs.arg(candidate.name, candidate.runtime));
        if (chosen || !candidate.isCustomContainer())
            continue;
        if (functionName.isEmpty() || candidate.name == functionName ||
            candidate.resourceKey == functionName)
            chosen = &candidate;
    }
    if (!chosen) {
        if (!functionName.isEmpty() && !customNames.isEmpty())
            return fail(ErrorKind::Usage,
                        u"%1: no custom-container function named '%2'; the file defines %3"_qs.arg(
                            path, functionName, customNames.join(u", "_qs)));
        QString message =
            u"%1: no custom-container function found in this %2"_qs.arg(path, formatName(format));
        if (const QString hint = whereToLook(format); !hint.isEmpty())
            message += u" ("_qs + hint + u')';
        if (!otherRuntimes.isEmpty())
            message += u"; fcemu runs custom containers only, and the file has "_qs +
                       otherRuntimes.join(u", "_qs);
        return fail(ErrorKind::Usage, message);
    }

    FunctionConfig config;
    try {
        if (auto ok = chosen->apply(config); !ok)
            return std::unexpected(ok.error());
    } catch (const std::exception &e) {
        // The readers check types before every access; this is the last guard at the
        // parse boundary so no nlohmann exception escapes into the event loop.
        return fail(ErrorKind::Usage, path + u": "_qs + QString::fromUtf8(e.what()));
    }
    return config;
}

} // namespace Fcemu::Config
