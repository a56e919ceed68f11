#include "config/ConfigReaders.h"
#include "config/Properties.h"
#include "config/ReadStorage.h"

// Serverless Devs s.yaml, component fc3 (edition 3.0.0): resources.NAME.props.

namespace Fcemu::Config::detail {

namespace {

// Every fc3 prop (Serverless Devs fc3 schema, FC3 CreateFunctionInput), and what fcemu does
// with it.
constexpr PropertyRule kFc3Rules[] = {
    {"region", Use::Applied},
    {"functionName", Use::Applied},
    {"runtime", Use::Applied},
    {"handler", Use::Applied},
    {"memorySize", Use::Applied},
    {"cpu", Use::Applied},
    {"diskSize", Use::Applied},
    {"timeout", Use::Applied},
    {"instanceConcurrency", Use::Applied},
    {"environmentVariables", Use::Applied},
    {"internetAccess", Use::Applied},
    {"gpuConfig", Use::Applied},
    {"gpuConfig.gpuType", Use::Ignored, "a GPU instance gets no GPU locally"},
    {"gpuConfig.gpuMemorySize", Use::Ignored, "a GPU instance gets no GPU locally"},
    {"customContainerConfig", Use::Applied},
    {"customContainerConfig.image", Use::NoEffect}, // the IMAGE fcemu is given
    {"customContainerConfig.entrypoint", Use::Applied},
    {"customContainerConfig.command", Use::Applied},
    {"customContainerConfig.port", Use::Applied},
    {"customContainerConfig.webServerMode", Use::Applied},
    {"customContainerConfig.healthCheckConfig", Use::Ignored,
     "fcemu waits for the port to accept connections, as FC does without a health check"},
    {"customContainerConfig.acrInstanceId", Use::NoEffect},
    {"customContainerConfig.accelerationType", Use::NoEffect}, // --no-acceleration
    {"customContainerConfig.registryConfig", Use::Ignored,
     "fcemu pulls with the registry credentials of this machine"},
    {"instanceLifecycleConfig", Use::Applied},
    {"instanceLifecycleConfig.initializer", Use::Applied},
    {"instanceLifecycleConfig.preStop", Use::Applied},
    {"provisionConfig", Use::Applied},
    {"provisionConfig.defaultTarget", Use::Applied},
    {"provisionConfig.alwaysAllocateCPU", Use::Ignored,
     "fcemu's instances keep their CPU between requests"},
    {"provisionConfig.alwaysAllocateGPU", Use::Ignored, "a GPU instance gets no GPU locally"},
    {"provisionConfig.scheduledActions", Use::Ignored, "fcemu keeps a fixed --provisioned count"},
    {"provisionConfig.targetTrackingPolicies", Use::Ignored,
     "fcemu keeps a fixed --provisioned count"},
    {"triggers", Use::NoEffect}, // read by readTriggers()
    {"description", Use::NoEffect},
    {"tags", Use::NoEffect},
    {"code", Use::NoEffect},
    {"layers", Use::Ignored, "layers are not mounted into a custom container locally"},
    {"vpcConfig", Use::Ignored,
     "no VPC locally: the function reaches what this machine reaches (--internet-access)"},
    // Read into nasConfig/ossMountConfig; reported until --nas-root/--oss-root maps them.
    {"nasConfig", Use::Ignored, "pass --nas-root DIR to map it to a local folder"},
    {"ossMountConfig", Use::Ignored, "pass --oss-root DIR to map it to a local folder"},
    {"logConfig", Use::Ignored, "logs go to fcemu's log view, not to Simple Log Service"},
    {"role", Use::Ignored,
     "no RAM role: the function gets the credentials of this machine's environment"},
    {"tracingConfig", Use::Ignored, "no tracing service locally"},
    {"customDNS", Use::Ignored, "the sandbox resolves names as this machine does"},
    {"concurrencyConfig", Use::Ignored, "use --max-instances to bound the instances"},
    {"asyncInvokeConfig", Use::Ignored, "asynchronous calls run once: no retries or destinations"},
    {"sessionAffinity", Use::Ignored, "requests go to any free instance"},
    {"sessionAffinityConfig", Use::Ignored, "requests go to any free instance"},
    {"instanceIsolationMode", Use::Ignored, "every instance is isolated in its own sandbox"},
    {"disableOndemand", Use::Ignored, "fcemu starts on-demand instances"},
    {"enableLongLiving", Use::Ignored, "idle instances are reclaimed after --idle-timeout"},
    {"idleTimeout", Use::Ignored, "use --idle-timeout"},
    {"customRuntimeConfig", Use::NoEffect}, // custom runtimes only
    {"instanceType", Use::Ignored, "use --instance-type"},
};

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
    collect(ok, readNasConfig(p, "nasConfig", c.name, c.nasConfig));
    collect(ok, readOssMountConfig(p, "ossMountConfig", c.ossMountConfig));
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
    if (*provision) {
        collect(ok, (*provision)->readInt("defaultTarget", c.provisioned));
    }
    if (!ok)
        return ok;
    QStringList ignored;
    collect(ok, readTriggers(p, "triggers", "triggerType", "triggerConfig", "methods", "authType",
                             c.httpTrigger, ignored));
    findIgnored(p, kFc3Rules, u"not an fc3 property fcemu knows"_qs, ignored);
    c.ignoredProperties += ignored;
    return ok;
}

} // namespace

Status addFc3Candidates(const Parsed &parsed, QList<Candidate> &out)
{
    const Source &source = parsed.source;
    const Object root(parsed.root, {}, source);
    auto resources = root.object("resources");
    if (!resources)
        return std::unexpected(resources.error());
    if (!*resources)
        return {};
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
            return std::unexpected(
                source.error(resource.pathOf("props"), u"missing: an fc3 resource needs props"_qs));
        const Object p = **props;
        Candidate candidate;
        candidate.resourceKey = QString::fromStdString(it.key());
        candidate.name = candidate.resourceKey;
        if (auto ok = p.readString("functionName", candidate.name); !ok)
            return std::unexpected(ok.error());
        candidate.runtime = runtimeOf(p, "runtime", p.has("customContainerConfig"));
        candidate.apply = [p](FunctionConfig &c) { return applyFc3Props(p, c); };
        out.append(candidate);
    }
    return {};
}

} // namespace Fcemu::Config::detail
