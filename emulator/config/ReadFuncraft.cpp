#include "config/ConfigReaders.h"
#include "config/Properties.h"

// Funcraft template.yml: Resources of Type Aliyun::Serverless::Service and ::Function.

namespace Fcemu::Config::detail {

namespace {

// Every Properties key of Funcraft's Aliyun::Serverless::Function (src/lib/validate/schema/
// function.js) and ::Service, and what fcemu does with it.
constexpr PropertyRule kFunctionRules[] = {
    {"Handler", Use::Applied},
    {"Runtime", Use::Applied},
    {"MemorySize", Use::Applied},
    {"Timeout", Use::Applied},
    {"CAPort", Use::Applied},
    {"InstanceConcurrency", Use::Applied},
    {"EnvironmentVariables", Use::Applied},
    {"Initializer", Use::Applied},
    {"InitializationTimeout", Use::Applied},
    {"InstanceType", Use::Applied},
    {"GpuMemorySize", Use::Ignored, "a GPU instance gets no GPU locally"},
    {"CustomContainerConfig", Use::Applied},
    {"CustomContainerConfig.Image", Use::NoEffect}, // the IMAGE fcemu is given
    {"CustomContainerConfig.Command", Use::Applied},
    {"CustomContainerConfig.Args", Use::Applied},
    {"CustomContainerConfig.WebServerMode", Use::Applied},
    {"CustomContainerConfig.AccelerationType", Use::NoEffect},
    {"CustomContainerConfig.InstanceID", Use::NoEffect},
    {"InstanceLifecycleConfig", Use::Applied},
    {"InstanceLifecycleConfig.PreFreeze", Use::Applied},
    {"InstanceLifecycleConfig.PreStop", Use::Applied},
    {"Description", Use::NoEffect},
    {"CodeUri", Use::NoEffect},
    {"AsyncConfiguration", Use::Ignored, "asynchronous calls run once: no retries or destinations"},
    {"CustomDNS", Use::Ignored, "the sandbox resolves names as this machine does"},
    {"Layers", Use::Ignored, "layers are not mounted into a custom container locally"},
};
constexpr PropertyRule kServiceRules[] = {
    {"Description", Use::NoEffect},
    {"InternetAccess", Use::Applied},
    {"Role", Use::Ignored,
     "no RAM role: the function gets the credentials of this machine's environment"},
    {"Policies", Use::Ignored,
     "no RAM role: the function gets the credentials of this machine's environment"},
    {"LogConfig", Use::Ignored, "logs go to fcemu's log view, not to Simple Log Service"},
    {"VpcConfig", Use::Ignored,
     "no VPC locally: the function reaches what this machine reaches (--internet-access)"},
    {"NasConfig", Use::Ignored, "NAS file systems are not mounted"},
    {"TracingConfig", Use::Ignored, "no tracing service locally"},
};

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

} // namespace

Status addFuncraftCandidates(const Parsed &parsed, QList<Candidate> &out)
{
    const Source &source = parsed.source;
    const Object root(parsed.root, {}, source);
    auto resources = root.object("Resources");
    if (!resources)
        return std::unexpected(resources.error());
    if (!*resources)
        return {};
    auto typeOf = [](const Json &node) -> QString {
        const Json type = node.is_object() ? node.value("Type", Json()) : Json();
        return type.is_string() ? QString::fromStdString(type.get<std::string>()).trimmed()
                                : QString();
    };
    static const Json empty = Json::object();
    // The Properties of a resource (an empty object when it has none).
    auto propertiesOf = [&](const Object &resource) -> Result<Object> {
        auto props = resource.object("Properties");
        if (!props)
            return std::unexpected(props.error());
        return *props ? **props : Object(empty, resource.pathOf("Properties"), source);
    };
    auto addFunction = [&](const Object &parent, const std::string &key,
                           const std::optional<Object> &service,
                           const QString &serviceName) -> Status {
        const Object fn(parent.json().at(key), parent.pathOf(key.c_str()), source);
        auto props = propertiesOf(fn);
        if (!props)
            return std::unexpected(props.error());
        std::optional<Object> serviceProps;
        if (service) {
            auto sp = propertiesOf(*service);
            if (!sp)
                return std::unexpected(sp.error());
            serviceProps = *sp;
        }
        const Object p = *props;
        Candidate candidate;
        candidate.name = candidate.resourceKey = QString::fromStdString(key);
        candidate.runtime = runtimeOf(p, "Runtime", p.has("CustomContainerConfig"));
        candidate.apply = [p, fn, serviceProps, name = candidate.name,
                           serviceName](FunctionConfig &c) -> Status {
            c.name = name;
            QStringList ignored;
            if (!serviceName.isEmpty())
                c.serviceName = serviceName;
            if (serviceProps) {
                if (auto ok = serviceProps->readBool("InternetAccess", c.internetAccess); !ok)
                    return ok;
                findIgnored(*serviceProps, kServiceRules,
                            u"not a Funcraft service property fcemu knows"_qs, ignored);
            }
            if (auto ok = applyFuncraftProperties(p, c); !ok)
                return ok;
            if (auto ok = readFuncraftEvents(fn, c.httpTrigger, ignored); !ok)
                return ok;
            findIgnored(p, kFunctionRules, u"not a Funcraft function property fcemu knows"_qs,
                        ignored);
            c.ignoredProperties += ignored;
            return {};
        };
        out.append(candidate);
        return {};
    };
    const Object &r = **resources;
    for (auto it = r.json().begin(); it != r.json().end(); ++it) {
        const QString type = typeOf(it.value());
        if (type == u"Aliyun::Serverless::Function"_qs) {
            if (auto ok = addFunction(r, it.key(), std::nullopt, {}); !ok)
                return std::unexpected(ok.error());
        } else if (type == u"Aliyun::Serverless::Service"_qs) {
            const Object service(it.value(), r.pathOf(it.key().c_str()), source);
            for (auto fn = it.value().begin(); fn != it.value().end(); ++fn) {
                if (typeOf(fn.value()) != u"Aliyun::Serverless::Function"_qs)
                    continue;
                if (auto ok =
                        addFunction(service, fn.key(), service, QString::fromStdString(it.key()));
                    !ok)
                    return std::unexpected(ok.error());
            }
        }
    }
    return {};
}

} // namespace Fcemu::Config::detail
