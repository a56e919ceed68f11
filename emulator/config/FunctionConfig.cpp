#include "config/FunctionConfig.h"

#include <algorithm>
#include <cmath>

#include "config/ConfigTree.h"
#include "config/FcLimits.h"
#include "config/ReadStorage.h"

namespace Fcemu::Config {

QString FunctionConfig::envValue(const QString &key) const
{
    for (const EnvVar &var : env) {
        if (var.key == key)
            return var.value.isNull() ? u""_qs : var.value;
    }
    return {};
}

void FunctionConfig::setEnv(const QString &key, const QString &value)
{
    for (EnvVar &var : env) {
        if (var.key == key) {
            var.value = value;
            return;
        }
    }
    env.append({key, value});
}

double effectiveCpu(const FunctionConfig &config)
{
    if (config.cpu)
        return *config.cpu;
    // Units of 0.05 vCPU: memory/1024 GB * 20, rounded down, clamped to 1..320 (0.05..16).
    const qint64 units = std::clamp<qint64>(qint64(config.memoryMB) * 20 / 1024, 1, 320);
    return double(units) / 20.0;
}

QString instanceTypeName(InstanceType type)
{
    return type == InstanceType::Gpu ? u"gpu"_qs : u"elastic"_qs;
}

QString billingModelName(BillingModel model)
{
    return model == BillingModel::Fc3 ? u"fc3"_qs : u"fc2"_qs;
}

QString registryEditionName(RegistryEdition edition)
{
    switch (edition) {
    case RegistryEdition::Personal:
        return u"personal"_qs;
    case RegistryEdition::Basic:
        return u"basic"_qs;
    case RegistryEdition::Standard:
        return u"standard"_qs;
    case RegistryEdition::Advanced:
        return u"advanced"_qs;
    }
    return {};
}

std::optional<RegistryEdition> registryEditionFromString(const QString &text)
{
    const QString t = text.trimmed().toLower();
    for (RegistryEdition e : {RegistryEdition::Personal, RegistryEdition::Basic,
                              RegistryEdition::Standard, RegistryEdition::Advanced})
        if (t == registryEditionName(e))
            return e;
    return std::nullopt;
}

ImageSizeLimit imageSizeLimit(InstanceType type, RegistryEdition edition)
{
    static const char *const editions[] = {"Container Registry Personal Edition",
                                           "Container Registry Enterprise Basic Edition",
                                           "Container Registry Enterprise Standard Edition",
                                           "Container Registry Enterprise Advanced Edition"};
    const bool large = type == InstanceType::Gpu || edition == RegistryEdition::Standard ||
                       edition == RegistryEdition::Advanced;
    return {large ? kLargeImageLimitBytes : kImageLimitBytes,
            (type == InstanceType::Gpu ? u"GPU instances, "_qs : u"elastic instances, "_qs) +
                QString::fromLatin1(editions[int(edition)])};
}

ImageSizeLimit imageSizeLimit(const FunctionConfig &config)
{
    return imageSizeLimit(config.instanceType, config.registryEdition);
}

std::optional<InstanceType> instanceTypeFromString(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"elastic"_qs)
        return InstanceType::Elastic;
    if (t == u"gpu"_qs)
        return InstanceType::Gpu;
    return std::nullopt;
}

std::optional<BillingModel> billingModelFromString(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"fc2"_qs)
        return BillingModel::Fc2;
    if (t == u"fc3"_qs)
        return BillingModel::Fc3;
    return std::nullopt;
}

namespace {

std::string toStd(const QString &text)
{
    return text.toStdString();
}

nlohmann::ordered_json toJsonList(const QStringList &list)
{
    auto array = nlohmann::ordered_json::array();
    for (const QString &item : list)
        array.push_back(toStd(item));
    return array;
}

nlohmann::ordered_json hookJson(const LifecycleHook &hook)
{
    return {{"handler", toStd(hook.handler)}, {"timeout", hook.timeoutS}};
}

} // namespace

nlohmann::ordered_json toJson(const FunctionConfig &c)
{
    nlohmann::ordered_json j;
    j["functionName"] = toStd(c.name);
    j["serviceName"] = toStd(c.serviceName);
    j["region"] = toStd(c.region);
    if (!c.accountId.isEmpty())
        j["accountId"] = toStd(c.accountId);
    j["handler"] = toStd(c.handler);
    j["memorySize"] = c.memoryMB;
    if (c.cpu)
        j["cpu"] = *c.cpu;
    j["timeout"] = c.timeoutS;
    j["caPort"] = c.caPort;
    j["webServerMode"] = c.webServerMode;
    j["command"] = toJsonList(c.command);
    j["args"] = toJsonList(c.args);
    auto env = nlohmann::ordered_json::object();
    for (const EnvVar &var : c.env)
        env[toStd(var.key)] = toStd(var.value);
    j["environmentVariables"] = env;
    if (c.initializer.isSet())
        j["initializer"] = toStd(c.initializer.handler);
    j["initializationTimeout"] = c.initializer.timeoutS;
    j["instanceLifecycleConfig"] = {{"preFreeze", hookJson(c.preFreeze)},
                                    {"preStop", hookJson(c.preStop)}};
    j["instanceConcurrency"] = c.instanceConcurrency;
    j["maxInstances"] = c.maxInstances;
    j["provisioned"] = c.provisioned;
    j["idleTimeout"] = c.idleTimeoutS;
    j["instanceType"] = toStd(instanceTypeName(c.instanceType));
    j["diskSize"] = c.diskSizeMB;
    j["startupTimeout"] = c.startupTimeoutS;
    if (c.pullBandwidthMBps)
        j["pullBandwidth"] = *c.pullBandwidthMBps;
    j["billing"] = toStd(billingModelName(c.billing));
    if (c.seccompUnconfined)
        j["seccomp"] = "unconfined";
    if (!c.internetAccess)
        j["internetAccess"] = false;
    if (c.insecureRegistry)
        j["insecureRegistry"] = true;
    if (c.profileStartup)
        j["profileStartup"] = true;
    if (!c.imageAcceleration)
        j["imageAcceleration"] = false;
    if (c.registryEdition != RegistryEdition::Personal)
        j["registryEdition"] = toStd(registryEditionName(c.registryEdition));
    if (c.httpTrigger != HttpTrigger()) {
        j["httpTrigger"] = {{"methods", toJsonList(c.httpTrigger.methods)},
                            {"authType", c.httpTrigger.authFunction ? "function" : "anonymous"}};
    }
    if (!c.ignoredProperties.isEmpty())
        j["ignoredProperties"] = toJsonList(c.ignoredProperties);
    detail::writeStorageKeys(c, j);
    return j;
}

namespace detail {

namespace {

Status readRegistryEdition(const Object &o, const char *key, RegistryEdition &out)
{
    QString text;
    if (auto ok = o.readString(key, text); !ok || !o.has(key))
        return ok;
    const auto edition = registryEditionFromString(text);
    if (!edition)
        return std::unexpected(
            o.error(key, u"expected personal, basic, standard or advanced, got '%1'"_qs.arg(text)));
    out = *edition;
    return {};
}

// FC's instance type names as they appear in config files: FC2 "e1" (elastic) and "c1"
// (performance, still a CPU instance), GPU types "fc.gpu.tesla.1", "fc.gpu.ampere.1", "g1".
Status readInstanceType(const Object &o, const char *key, InstanceType &out)
{
    QString text;
    if (auto ok = o.readString(key, text); !ok || !o.has(key))
        return ok;
    const QString t = text.trimmed().toLower();
    if (t == u"elastic"_qs || t == u"e1"_qs || t == u"c1"_qs || t == u"performance"_qs ||
        t == u"cpu"_qs) {
        out = InstanceType::Elastic;
        return {};
    }
    if (t == u"gpu"_qs || t == u"g1"_qs || t.startsWith(u"fc.gpu"_qs)) {
        out = InstanceType::Gpu;
        return {};
    }
    return std::unexpected(
        o.error(key, u"expected elastic or gpu (or FC's e1, c1, fc.gpu.*), got '%1'"_qs.arg(text)));
}

Status readBilling(const Object &o, const char *key, BillingModel &out)
{
    QString text;
    if (auto ok = o.readString(key, text); !ok || !o.has(key))
        return ok;
    const auto model = billingModelFromString(text);
    if (!model)
        return std::unexpected(o.error(key, u"expected fc2 or fc3, got '%1'"_qs.arg(text)));
    out = *model;
    return {};
}

// `initializer` as FC2 writes it (a handler string, empty for none), as fcemu's flag
// means it (true/false), or as an FC3 LifecycleHook object.
Status readInitializer(const Object &o, const char *key, LifecycleHook &out)
{
    const Json *value = o.get(key);
    if (value && value->is_boolean()) {
        out.handler = value->get<bool>() ? u"initializer"_qs : QString();
        return {};
    }
    return o.readHook(key, out, "handler", "timeout", u"initializer"_qs);
}

} // namespace

Status applyPlain(const Object &o, FunctionConfig &c)
{
    Status ok;
    auto step = [&ok](Status s) {
        if (ok && !s)
            ok = s;
    };
    step(o.readString("functionName", c.name));
    step(o.readString("serviceName", c.serviceName));
    step(o.readString("region", c.region));
    step(o.readString("accountId", c.accountId));
    step(o.readString("handler", c.handler));
    step(o.readInt("memorySize", c.memoryMB));
    step(o.readOptionalDouble("cpu", c.cpu));
    step(o.readInt("timeout", c.timeoutS));
    step(o.readInt("port", c.caPort));
    step(o.readInt("caPort", c.caPort));
    step(o.readBool("webServerMode", c.webServerMode));
    step(o.readStringList("command", c.command));
    step(o.readStringList("args", c.args));
    step(o.readEnv("environmentVariables", c.env));
    step(readInitializer(o, "initializer", c.initializer));
    step(o.readInt("initializationTimeout", c.initializer.timeoutS));
    step(o.readInt("instanceConcurrency", c.instanceConcurrency));
    step(o.readInt("maxInstances", c.maxInstances));
    step(o.readInt("provisioned", c.provisioned));
    step(o.readInt("idleTimeout", c.idleTimeoutS));
    step(readInstanceType(o, "instanceType", c.instanceType));
    step(o.readInt("diskSize", c.diskSizeMB));
    step(o.readInt("startupTimeout", c.startupTimeoutS));
    step(o.readOptionalDouble("pullBandwidth", c.pullBandwidthMBps));
    step(readBilling(o, "billing", c.billing));
    step(o.readBool("internetAccess", c.internetAccess));
    step(readStorageKeys(o, c));
    QString seccomp = u"default"_qs;
    step(o.readString("seccomp", seccomp));
    if (ok && seccomp != u"default"_qs && seccomp != u"unconfined"_qs)
        return fail(ErrorKind::Usage,
                    u"seccomp must be \"default\" or \"unconfined\" (got \"%1\")"_qs.arg(seccomp));
    c.seccompUnconfined = seccomp == u"unconfined"_qs;
    if (!ok)
        return ok;
    if (o.has("gpuConfig"))
        c.instanceType = InstanceType::Gpu;

    auto lifecycle = o.object("instanceLifecycleConfig");
    if (!lifecycle)
        return std::unexpected(lifecycle.error());
    if (*lifecycle) {
        const Object &l = **lifecycle;
        step(l.readHook("preFreeze", c.preFreeze, "handler", "timeout", u"preFreeze"_qs));
        step(l.readHook("preStop", c.preStop, "handler", "timeout", u"preStop"_qs));
        step(readInitializer(l, "initializer", c.initializer));
    }

    // An API-shaped customContainerConfig: FC2 (2021-04-06) has `args` and takes `command`
    // as a JSON string; otherwise it is FC3 (2023-03-30), whose `entrypoint` is FC2's
    // `command` and whose `command` is FC2's `args`.
    auto container = o.object("customContainerConfig");
    if (!container)
        return std::unexpected(container.error());
    if (*container) {
        const Object &cc = **container;
        const Json *command = cc.get("command");
        const bool fc2 = cc.has("args") || (command && command->is_string());
        if (fc2) {
            step(cc.readStringList("command", c.command));
            step(cc.readStringList("args", c.args));
        } else {
            step(cc.readStringList("entrypoint", c.command));
            step(cc.readStringList("command", c.args));
        }
        step(cc.readInt("port", c.caPort));
        step(cc.readBool("webServerMode", c.webServerMode));
    }
    auto trigger = o.object("httpTrigger");
    if (!trigger)
        return std::unexpected(trigger.error());
    if (*trigger)
        step(readHttpTrigger(**trigger, "methods", "authType", c.httpTrigger));
    step(o.readStringList("ignoredProperties", c.ignoredProperties));
    step(o.readBool("insecureRegistry", c.insecureRegistry));
    step(o.readBool("profileStartup", c.profileStartup));
    step(o.readBool("imageAcceleration", c.imageAcceleration));
    step(readRegistryEdition(o, "registryEdition", c.registryEdition));
    return ok;
}

} // namespace detail

Result<FunctionConfig> fromJson(const nlohmann::ordered_json &json)
{
    const detail::Source source;
    if (!json.is_object())
        return fail(ErrorKind::Usage, u"a function configuration must be a JSON object, got "_qs +
                                          detail::describe(json));
    FunctionConfig config;
    if (auto ok = detail::applyPlain(detail::Object(json, {}, source), config); !ok)
        return std::unexpected(ok.error());
    return config;
}

} // namespace Fcemu::Config
