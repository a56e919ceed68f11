#include "config/ConfigReaders.h"
#include "config/Properties.h"
#include "config/ReadStorage.h"

// Serverless Devs s.yaml, component fc (edition 1.0.0): services.NAME.props.function.

namespace Fcemu::Config::detail {

namespace {

// Every prop of the fc component (devsapp/fc docs/en/yaml: service, function, triggers,
// customDomains), and what fcemu does with it.
constexpr PropertyRule kFcRules[] = {
    {"region", Use::Applied},
    {"service", Use::Applied},
    {"service.name", Use::Applied},
    {"service.internetAccess", Use::Applied},
    {"service.description", Use::NoEffect},
    {"service.role", Use::Ignored,
     "no RAM role: the function gets the credentials of this machine's environment"},
    {"service.logConfig", Use::Ignored, "logs go to fcemu's log view, not to Simple Log Service"},
    {"service.vpcConfig", Use::Ignored,
     "no VPC locally: the function reaches what this machine reaches (--internet-access)"},
    // Read into nasConfig/ossMountConfig; reported until --nas-root/--oss-root maps them.
    {"service.nasConfig", Use::Ignored, "pass --nas-root DIR to map it to a local folder"},
    {"service.ossMountConfig", Use::Ignored, "pass --oss-root DIR to map it to a local folder"},
    {"service.tracingConfig", Use::Ignored, "no tracing service locally"},
    {"function", Use::Applied},
    {"function.name", Use::Applied},
    {"function.runtime", Use::Applied},
    {"function.handler", Use::Applied},
    {"function.memorySize", Use::Applied},
    {"function.cpu", Use::Applied},
    {"function.timeout", Use::Applied},
    {"function.caPort", Use::Applied},
    {"function.diskSize", Use::Applied},
    {"function.instanceConcurrency", Use::Applied},
    {"function.environmentVariables", Use::Applied},
    {"function.initializer", Use::Applied},
    {"function.initializationTimeout", Use::Applied},
    {"function.instanceLifecycleConfig", Use::Applied},
    {"function.instanceLifecycleConfig.preFreeze", Use::Applied},
    {"function.instanceLifecycleConfig.preStop", Use::Applied},
    {"function.instanceType", Use::Applied},
    {"function.gpuMemorySize", Use::Ignored, "a GPU instance gets no GPU locally"},
    {"function.webServerMode", Use::Applied},
    {"function.customContainerConfig", Use::Applied},
    {"function.customContainerConfig.image", Use::NoEffect}, // the IMAGE fcemu is given
    {"function.customContainerConfig.command", Use::Applied},
    {"function.customContainerConfig.args", Use::Applied},
    {"function.customContainerConfig.webServerMode", Use::Applied},
    {"function.customContainerConfig.instanceID", Use::NoEffect},
    {"function.customContainerConfig.accelerationType", Use::NoEffect},
    {"function.description", Use::NoEffect},
    {"function.codeUri", Use::NoEffect},
    {"function.ossBucket", Use::NoEffect},
    {"function.ossKey", Use::NoEffect},
    {"function.customRuntimeConfig", Use::NoEffect},
    {"function.layers", Use::Ignored, "layers are not mounted into a custom container locally"},
    {"function.asyncConfiguration", Use::Ignored,
     "asynchronous calls run once: no retries or destinations"},
    {"function.customDNS", Use::Ignored, "the sandbox resolves names as this machine does"},
    {"function.customHealthCheckConfig", Use::Ignored,
     "fcemu waits for the port to accept connections, as FC does without a health check"},
    {"triggers", Use::NoEffect}, // read by readTriggers()
    {"customDomains", Use::Ignored, "fcemu serves on --listen, not on custom domains"},
};

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

} // namespace

Status addFcCandidates(const Parsed &parsed, QList<Candidate> &out)
{
    const Source &source = parsed.source;
    const Object root(parsed.root, {}, source);
    auto services = root.object("services");
    if (!services)
        return std::unexpected(services.error());
    if (!*services)
        return {};
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
            return std::unexpected(
                source.error(service.pathOf("props"), u"missing: an fc service needs props"_qs));
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
                    collect(ok, readNasConfig(**s, "nasConfig", c.serviceName, c.nasConfig));
                    collect(ok, readOssMountConfig(**s, "ossMountConfig", c.ossMountConfig));
                }
            }
            if (!ok)
                return ok;
            if (auto applied = applyFcFunction(f, c); !applied)
                return applied;
            QStringList ignored;
            if (auto triggers = readTriggers(p, "triggers", "type", "config", "methods", "authType",
                                             c.httpTrigger, ignored);
                !triggers)
                return triggers;
            findIgnored(p, kFcRules, u"not an fc property fcemu knows"_qs, ignored);
            c.ignoredProperties += ignored;
            return {};
        };
        out.append(candidate);
    }
    return {};
}

} // namespace Fcemu::Config::detail
