#include "config/ConfigExport.h"

#include <yaml-cpp/yaml.h>

#include "config/ConfigReaders.h"

namespace Fcemu::Config {

using detail::Json;

namespace {

std::string s(const QString &text)
{
    return text.toStdString();
}

Json list(const QStringList &items)
{
    Json array = Json::array();
    for (const QString &item : items)
        array.push_back(s(item));
    return array;
}

// FC2's API takes command and args as JSON text ('["node"]').
std::string jsonText(const QStringList &items)
{
    return list(items).dump();
}

Json environment(const FunctionConfig &c)
{
    Json env = Json::object();
    for (const EnvVar &var : c.env)
        env[s(var.key)] = s(var.value);
    return env;
}

Json hook(const LifecycleHook &h, const char *handlerKey = "handler",
          const char *timeoutKey = "timeout")
{
    return Json{{handlerKey, s(h.handler)}, {timeoutKey, h.timeoutS}};
}

const QStringList kAllMethods = {u"GET"_qs,  u"POST"_qs,  u"PUT"_qs,    u"DELETE"_qs,
                                 u"HEAD"_qs, u"PATCH"_qs, u"OPTIONS"_qs};

QStringList triggerMethods(const FunctionConfig &c)
{
    return c.httpTrigger.methods.isEmpty() ? kAllMethods : c.httpTrigger.methods;
}

Json fc3Document(const FunctionConfig &c, const QString &image)
{
    Json props = Json::object();
    props["region"] = s(c.region);
    props["functionName"] = s(c.name);
    props["runtime"] = "custom-container";
    props["handler"] = s(c.handler);
    props["memorySize"] = c.memoryMB;
    if (c.cpu)
        props["cpu"] = *c.cpu;
    props["diskSize"] = c.diskSizeMB;
    props["timeout"] = c.timeoutS;
    props["instanceConcurrency"] = c.instanceConcurrency;
    props["internetAccess"] = c.internetAccess;
    if (!c.env.isEmpty())
        props["environmentVariables"] = environment(c);
    Json container = Json::object();
    container["image"] = s(image);
    if (!c.command.isEmpty())
        container["entrypoint"] = list(c.command);
    if (!c.args.isEmpty())
        container["command"] = list(c.args);
    container["port"] = c.caPort;
    props["customContainerConfig"] = container;
    Json lifecycle = Json::object();
    if (c.initializer.isSet())
        lifecycle["initializer"] = hook(c.initializer);
    if (c.preStop.isSet())
        lifecycle["preStop"] = hook(c.preStop);
    if (!lifecycle.empty())
        props["instanceLifecycleConfig"] = lifecycle;
    if (c.instanceType == InstanceType::Gpu)
        props["gpuConfig"] = {{"gpuType", "fc.gpu.tesla.1"}, {"gpuMemorySize", 16384}};
    if (c.provisioned > 0)
        props["provisionConfig"] = {{"defaultTarget", c.provisioned}};
    if (c.webServerMode)
        props["triggers"] =
            Json::array({{{"triggerName", "httpTrigger"},
                          {"triggerType", "http"},
                          {"triggerConfig",
                           {{"authType", c.httpTrigger.authFunction ? "function" : "anonymous"},
                            {"methods", list(triggerMethods(c))}}}}});
    Json doc = Json::object();
    doc["edition"] = "3.0.0";
    doc["name"] = s(c.name);
    doc["access"] = "default";
    doc["resources"] = {{s(c.name), {{"component", "fc3"}, {"props", props}}}};
    return doc;
}

Json fcDocument(const FunctionConfig &c, const QString &image)
{
    Json function = Json::object();
    function["name"] = s(c.name);
    function["runtime"] = "custom-container";
    function["handler"] = s(c.handler);
    function["memorySize"] = c.memoryMB;
    if (c.cpu)
        function["cpu"] = *c.cpu;
    function["timeout"] = c.timeoutS;
    function["caPort"] = c.caPort;
    function["diskSize"] = c.diskSizeMB;
    function["instanceConcurrency"] = c.instanceConcurrency;
    function["instanceType"] = c.instanceType == InstanceType::Gpu ? "fc.gpu.tesla.1" : "e1";
    if (!c.env.isEmpty())
        function["environmentVariables"] = environment(c);
    if (c.initializer.isSet())
        function["initializer"] = s(c.initializer.handler);
    function["initializationTimeout"] = c.initializer.timeoutS;
    Json lifecycle = Json::object();
    if (c.preFreeze.isSet())
        lifecycle["preFreeze"] = hook(c.preFreeze);
    if (c.preStop.isSet())
        lifecycle["preStop"] = hook(c.preStop);
    if (!lifecycle.empty())
        function["instanceLifecycleConfig"] = lifecycle;
    Json container = Json::object();
    container["image"] = s(image);
    if (!c.command.isEmpty())
        container["command"] = jsonText(c.command);
    if (!c.args.isEmpty())
        container["args"] = jsonText(c.args);
    container["webServerMode"] = c.webServerMode;
    function["customContainerConfig"] = container;

    Json props = Json::object();
    props["region"] = s(c.region);
    props["service"] = {{"name", s(c.serviceName)}, {"internetAccess", c.internetAccess}};
    props["function"] = function;
    if (c.webServerMode)
        props["triggers"] =
            Json::array({{{"name", "httpTrigger"},
                          {"type", "http"},
                          {"config",
                           {{"authType", c.httpTrigger.authFunction ? "function" : "anonymous"},
                            {"methods", list(triggerMethods(c))}}}}});
    Json doc = Json::object();
    doc["edition"] = "1.0.0";
    doc["name"] = s(c.name);
    doc["access"] = "default";
    doc["services"] = {{s(c.name), {{"component", "fc"}, {"props", props}}}};
    return doc;
}

Json funcraftDocument(const FunctionConfig &c, const QString &image)
{
    Json p = Json::object();
    p["Runtime"] = "custom-container";
    p["Handler"] = s(c.handler);
    p["MemorySize"] = c.memoryMB;
    p["Timeout"] = c.timeoutS;
    p["CAPort"] = c.caPort;
    p["InstanceConcurrency"] = c.instanceConcurrency;
    p["InstanceType"] = c.instanceType == InstanceType::Gpu ? "fc.gpu.tesla.1" : "e1";
    if (!c.env.isEmpty())
        p["EnvironmentVariables"] = environment(c);
    if (c.initializer.isSet())
        p["Initializer"] = s(c.initializer.handler);
    p["InitializationTimeout"] = c.initializer.timeoutS;
    Json container = Json::object();
    container["Image"] = s(image);
    if (!c.command.isEmpty())
        container["Command"] = jsonText(c.command);
    if (!c.args.isEmpty())
        container["Args"] = jsonText(c.args);
    container["WebServerMode"] = c.webServerMode;
    p["CustomContainerConfig"] = container;
    Json lifecycle = Json::object();
    if (c.preFreeze.isSet())
        lifecycle["PreFreeze"] = hook(c.preFreeze, "Handler", "Timeout");
    if (c.preStop.isSet())
        lifecycle["PreStop"] = hook(c.preStop, "Handler", "Timeout");
    if (!lifecycle.empty())
        p["InstanceLifecycleConfig"] = lifecycle;
    Json function = {{"Type", "Aliyun::Serverless::Function"}, {"Properties", p}};
    if (c.webServerMode)
        function["Events"] = {
            {"httpTrigger",
             {{"Type", "HTTP"},
              {"Properties",
               {{"AuthType", c.httpTrigger.authFunction ? "FUNCTION" : "ANONYMOUS"},
                {"Methods", list(triggerMethods(c))}}}}}};
    Json service = {{"Type", "Aliyun::Serverless::Service"},
                    {"Properties", {{"InternetAccess", c.internetAccess}}}};
    service[s(c.name)] = function;
    Json doc = Json::object();
    doc["ROSTemplateFormatVersion"] = "2015-09-01";
    doc["Transform"] = "Aliyun::Serverless-2018-04-03";
    doc["Resources"] = {{s(c.serviceName), service}};
    return doc;
}

void emitYaml(YAML::Emitter &out, const Json &value)
{
    if (value.is_object()) {
        out << YAML::BeginMap;
        for (auto it = value.begin(); it != value.end(); ++it) {
            out << YAML::Key << it.key() << YAML::Value;
            emitYaml(out, it.value());
        }
        out << YAML::EndMap;
    } else if (value.is_array()) {
        out << YAML::BeginSeq;
        for (const Json &item : value)
            emitYaml(out, item);
        out << YAML::EndSeq;
    } else if (value.is_string()) {
        // Quoted, so that "8080" or "true" stay text when read back (YAML 1.2 core schema).
        out << YAML::DoubleQuoted << value.get<std::string>();
    } else if (value.is_boolean()) {
        out << (value.get<bool>() ? "true" : "false");
    } else if (value.is_number_integer()) {
        out << value.get<qint64>();
    } else if (value.is_number()) {
        out << value.dump(); // shortest round-tripping form (0.5, not 0.50000000000000000)
    } else {
        out << YAML::Null;
    }
}

} // namespace

std::optional<ExportFormat> exportFormatFromString(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"fc3"_qs)
        return ExportFormat::Fc3;
    if (t == u"fc"_qs)
        return ExportFormat::Fc;
    if (t == u"template"_qs)
        return ExportFormat::Funcraft;
    return std::nullopt;
}

QString placeholderImage(const FunctionConfig &config)
{
    return u"registry.%1.aliyuncs.com/NAMESPACE/%2:latest"_qs.arg(config.region,
                                                                  config.name.toLower());
}

Result<QByteArray> exportConfig(const FunctionConfig &config, ExportFormat format,
                                const QString &imageRef)
{
    const QString image = imageRef.isEmpty() ? placeholderImage(config) : imageRef;
    FunctionConfig wanted = config;
    wanted.ignoredProperties.clear(); // about the file it came from, not about this one
    Json doc;
    ConfigFormat readAs = ConfigFormat::ServerlessDevsFc3;
    switch (format) {
    case ExportFormat::Fc3:
        doc = fc3Document(wanted, image);
        break;
    case ExportFormat::Fc:
        doc = fcDocument(wanted, image);
        readAs = ConfigFormat::ServerlessDevsFc;
        break;
    case ExportFormat::Funcraft:
        doc = funcraftDocument(wanted, image);
        readAs = ConfigFormat::Funcraft;
        break;
    }

    // Read the document back as loadConfigFile() would, and keep every setting that did not
    // survive in fcemu's own block (toJson() keys, which applyPlain() reads).
    detail::Parsed parsed{doc, {}};
    auto back = detail::loadParsed(parsed, wanted.name);
    if (!back)
        return std::unexpected(back.error());
    back->ignoredProperties.clear();
    const auto want = toJson(wanted);
    const auto got = toJson(*back);
    Json own = Json::object();
    for (auto it = want.begin(); it != want.end(); ++it) {
        if (!got.contains(it.key()) || got[it.key()] != it.value())
            own[it.key()] = it.value();
    }
    for (auto it = got.begin(); it != got.end(); ++it) {
        if (!want.contains(it.key()) && it.key() != "ignoredProperties")
            return fail(ErrorKind::Usage,
                        u"config export: the %1 form adds '%2', which the function does not "
                        u"set"_qs.arg(format == ExportFormat::Fc3  ? u"fc3"_qs
                                      : format == ExportFormat::Fc ? u"fc"_qs
                                                                   : u"template"_qs,
                                      QString::fromStdString(it.key())));
    }
    if (!own.empty()) {
        const char *parent = readAs == ConfigFormat::Funcraft ? "Metadata" : "vars";
        // Placed before the resources, where `s` looks for vars.
        Json ordered = Json::object();
        for (auto it = doc.begin(); it != doc.end(); ++it) {
            if (it.key() == "resources" || it.key() == "services" || it.key() == "Resources")
                ordered[parent] = {{"fcemu", {{s(wanted.name), own}}}};
            ordered[it.key()] = it.value();
        }
        doc = std::move(ordered);
    }

    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::Comment("Written by fcemu config export. fcemu's own settings, which FC has "
                         "no property for, are under " +
                         std::string(readAs == ConfigFormat::Funcraft ? "Metadata" : "vars") +
                         ".fcemu.");
    out << YAML::Newline;
    emitYaml(out, doc);
    if (!out.good())
        return fail(ErrorKind::Usage, u"config export: cannot write YAML: "_qs +
                                          QString::fromStdString(out.GetLastError()));
    QByteArray text(out.c_str(), qsizetype(out.size()));
    text += '\n';
    return text;
}

} // namespace Fcemu::Config
