#include "config/Options.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include <QDir>
#include <QSet>

#include "common/Units.h"
#include "config/ConfigFile.h"
#include "config/Mounts.h"
#include "config/StorageMounts.h"
#include "config/Validation.h"

namespace Fcemu::Config {

const QList<OptionSpec> &functionOptions()
{
    static const QList<OptionSpec> options = {
        {u"config"_qs,
         u"FILE"_qs,
         u"Read the function from an s.yaml (Serverless Devs fc or fc3), a Funcraft "
         u"template.yml or a function JSON; the other options override it"_qs,
         {}},
        {u"name"_qs, u"NAME"_qs, u"Function name (default fcemu-function)"_qs, u"functionName"_qs},
        {u"memory"_qs, u"MB"_qs, u"Memory size: 128-32768 MB in steps of 64 (default 512)"_qs,
         u"memorySize"_qs},
        {u"cpu"_qs, u"VCPU"_qs,
         u"vCPUs: 0.05-16 in steps of 0.05, 1 to 4 GB of memory per vCPU (default: memory/1024)"_qs,
         u"cpu"_qs},
        {u"timeout"_qs, u"S"_qs, u"Invocation timeout: 1-86400 seconds (default 3)"_qs,
         u"timeout"_qs},
        {u"port"_qs, u"N"_qs,
         u"Port the container's web server listens on (CAPort, default 9000)"_qs, u"caPort"_qs},
        {u"web-server-mode"_qs, u"true|false"_qs,
         u"true: the container runs a web server (default); false: one run per event, "
         u"which must exit 0"_qs,
         u"webServerMode"_qs},
        {u"command"_qs, u"JSON"_qs,
         u"Replace the image's Entrypoint (and drop its Cmd), e.g. '[\"node\"]'"_qs, u"command"_qs},
        {u"args"_qs, u"JSON"_qs, u"Replace the image's Cmd, e.g. '[\"server.js\"]'"_qs, u"args"_qs},
        {u"env"_qs, u"K=V"_qs,
         u"Set an environment variable (repeatable; names may not start with FC_; 4 KB total)"_qs,
         u"environmentVariables"_qs, true},
        {u"initializer"_qs,
         {},
         u"Call POST /initialize once per instance before its first request"_qs,
         u"initializer"_qs},
        {u"initialization-timeout"_qs, u"S"_qs,
         u"Initializer timeout: 1-300 seconds (default 3)"_qs, u"initializationTimeout"_qs},
        {u"pre-freeze"_qs,
         {},
         u"Call GET /pre-freeze after each request"_qs,
         u"instanceLifecycleConfig.preFreeze"_qs},
        {u"pre-stop"_qs,
         {},
         u"Call GET /pre-stop before an instance is reclaimed"_qs,
         u"instanceLifecycleConfig.preStop"_qs},
        {u"concurrency"_qs, u"N"_qs, u"Requests one instance takes at once: 1-200 (default 1)"_qs,
         u"instanceConcurrency"_qs},
        {u"max-instances"_qs, u"N"_qs,
         u"Most instances at once; more requests get 429 ResourceExhausted (default 10)"_qs,
         u"maxInstances"_qs},
        {u"provisioned"_qs, u"N"_qs,
         u"Instances started up front and never reclaimed (default 0)"_qs, u"provisioned"_qs},
        {u"idle-timeout"_qs, u"S"_qs,
         u"Reclaim an idle instance after this many seconds (default 180)"_qs, u"idleTimeout"_qs},
        {u"instance-type"_qs, u"elastic|gpu"_qs, u"Instance type (default elastic)"_qs,
         u"instanceType"_qs},
        {u"disk-size"_qs, u"MB"_qs, u"Writable disk: 512 or 10240 MB (default 512)"_qs,
         u"diskSize"_qs},
        {u"startup-timeout"_qs, u"S"_qs,
         u"How long the web server may take to start listening (default 120)"_qs,
         u"startupTimeout"_qs},
        {u"pull-bandwidth"_qs, u"MB_PER_S"_qs,
         u"Simulate a registry pull of the image at this many megabytes per second"_qs,
         u"pullBandwidth"_qs},
        {u"billing"_qs, u"fc2|fc3"_qs, u"Billing model for the cost estimate (default fc2)"_qs,
         u"billing"_qs},
        {u"seccomp"_qs, u"default|unconfined"_qs,
         u"The sandbox's seccomp filter: default (modelled on Docker's) or unconfined (none; "
         u"prints a warning)"_qs,
         u"seccomp"_qs},
        {u"internet-access"_qs, u"true|false"_qs,
         u"Outbound network (default true): the function reaches what this machine reaches, "
         u"and this machine as host.fcemu.internal; false: loopback only"_qs,
         u"internetAccess"_qs},
        {u"insecure-registry"_qs,
         {},
         u"Pull a registry IMAGE over plain HTTP (only for a registry you trust)"_qs,
         u"insecureRegistry"_qs},
        {u"profile-startup"_qs,
         {},
         u"Record which files, and how many bytes, the cold start reads through its first "
         u"request; print them with the pull an image-accelerated start would need"_qs,
         u"profileStartup"_qs},
        {u"no-acceleration"_qs,
         {},
         u"Simulate the full image pull at --pull-bandwidth even when the image's start-up "
         u"profile is known (default: only the bytes the start-up reads, as FC's image "
         u"acceleration)"_qs,
         u"imageAcceleration"_qs},
        {u"registry-edition"_qs, u"personal|basic|standard|advanced"_qs,
         u"Container Registry edition FC pulls the image from: the uncompressed image limit is "
         u"3 GB on elastic instances for personal and basic, 10 GB otherwise (default "
         u"personal)"_qs,
         u"registryEdition"_qs},
        {u"account-id"_qs, u"ID"_qs,
         u"Account ID the function sees (FC_ACCOUNT_ID, x-fc-account-id, ${config('AccountID')}; "
         u"default ALIBABA_CLOUD_ACCOUNT_ID or a placeholder)"_qs,
         u"accountId"_qs},
        {u"region"_qs, u"REGION"_qs,
         u"Region the function sees (FC_REGION, x-fc-region; default cn-hangzhou)"_qs,
         u"region"_qs},
        {u"mount"_qs, u"HOST_DIR:PATH[:ro]"_qs,
         u"Bind a folder of this machine into the instance at PATH (read-only with :ro; "
         u"repeatable)"_qs,
         u"mounts"_qs, true},
        {u"nas-root"_qs, u"DIR"_qs,
         u"Map the config's nasConfig to local folders: server:/share/sub is DIR/share/sub, "
         u"at its mountDir"_qs,
         u"nasRoot"_qs},
        {u"oss-root"_qs, u"DIR"_qs,
         u"Map the config's ossMountConfig to local folders: a bucket's path is "
         u"DIR/BUCKET/PATH, at its mountDir (read-only when readOnly)"_qs,
         u"ossRoot"_qs},
        {u"debug-port"_qs, u"PORT[,PORT...]"_qs,
         u"Forward 127.0.0.1:PORT on this machine to PORT in the instance, for a debugger; "
         u"FC's timeouts are suspended"_qs,
         u"debugPorts"_qs},
        {u"debug-args"_qs, u"ARGS"_qs,
         u"Insert ARGS after the command's program (node ARGS server.js), e.g. "
         u"--inspect=0.0.0.0:9229; FC's timeouts are suspended"_qs,
         u"debugArgs"_qs},
    };
    return options;
}

const OptionSpec *findFunctionOption(const QString &option)
{
    QString name = option.trimmed();
    while (name.startsWith(u'-'))
        name.remove(0, 1);
    for (const OptionSpec &spec : functionOptions()) {
        if (spec.name == name)
            return &spec;
    }
    return nullptr;
}

namespace {

Error usage(const OptionSpec &spec, const QString &what, const QString &value)
{
    return Error{ErrorKind::Usage, u"%1 expects %2 (got '%3')"_qs.arg(spec.flag(), what, value)};
}

Status parseInt(const OptionSpec &spec, const QString &value, const QString &what, int &out)
{
    bool ok = false;
    const int parsed = value.trimmed().toInt(&ok);
    if (!ok)
        return std::unexpected(usage(spec, what, value));
    out = parsed;
    return {};
}

Status parseDouble(const OptionSpec &spec, const QString &value, const QString &what, double &out)
{
    bool ok = false;
    const double parsed = value.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(parsed))
        return std::unexpected(usage(spec, what, value));
    out = parsed;
    return {};
}

Status parseJsonList(const OptionSpec &spec, const QString &value, QStringList &out)
{
    const auto json = nlohmann::json::parse(value.toStdString(), nullptr, false);
    const QString what = u"a JSON array of strings such as '[\"node\", \"server.js\"]'"_qs;
    if (json.is_discarded() || !json.is_array())
        return std::unexpected(usage(spec, what, value));
    QStringList list;
    for (const auto &item : json) {
        if (!item.is_string())
            return std::unexpected(usage(spec, what, value));
        list.append(QString::fromStdString(item.get<std::string>()));
    }
    out = list;
    return {};
}

Status parseHookFlag(const QString &value, LifecycleHook &hook, const QString &defaultHandler)
{
    const QString v = value.trimmed();
    if (v.isEmpty() || v.compare(u"true"_qs, Qt::CaseInsensitive) == 0) {
        if (!hook.isSet())
            hook.handler = defaultHandler;
    } else if (v.compare(u"false"_qs, Qt::CaseInsensitive) == 0) {
        hook.handler.clear();
    } else {
        hook.handler = v;
    }
    return {};
}

} // namespace

Status applyOption(FunctionConfig &c, const QString &option, const QString &value)
{
    const OptionSpec *spec = findFunctionOption(option);
    if (!spec)
        return fail(ErrorKind::Usage, u"unknown function option %1"_qs.arg(option));
    const OptionSpec &s = *spec;
    const QString &n = s.name;
    const QString seconds = u"a whole number of seconds"_qs;
    const QString count = u"a whole number"_qs;

    if (n == u"config"_qs)
        return fail(ErrorKind::Usage, u"--config names a file: read it with loadConfigFile() or "
                                      u"resolveFunctionConfig()"_qs);
    if (n == u"name"_qs) {
        if (value.trimmed().isEmpty())
            return std::unexpected(usage(s, u"a function name"_qs, value));
        c.name = value.trimmed();
        return {};
    }
    if (n == u"memory"_qs)
        return parseInt(s, value, u"a whole number of megabytes"_qs, c.memoryMB);
    if (n == u"cpu"_qs) {
        double cpu = 0;
        if (auto ok = parseDouble(s, value, u"a number of vCPUs such as 0.5"_qs, cpu); !ok)
            return ok;
        c.cpu = cpu;
        return {};
    }
    if (n == u"timeout"_qs)
        return parseInt(s, value, seconds, c.timeoutS);
    if (n == u"port"_qs)
        return parseInt(s, value, u"a port number"_qs, c.caPort);
    if (n == u"web-server-mode"_qs) {
        const QString v = value.trimmed().toLower();
        if (v != u"true"_qs && v != u"false"_qs)
            return std::unexpected(usage(s, u"true or false"_qs, value));
        c.webServerMode = v == u"true"_qs;
        return {};
    }
    if (n == u"command"_qs)
        return parseJsonList(s, value, c.command);
    if (n == u"args"_qs)
        return parseJsonList(s, value, c.args);
    if (n == u"env"_qs) {
        const qsizetype equals = value.indexOf(u'=');
        if (equals <= 0)
            return std::unexpected(usage(s, u"KEY=VALUE"_qs, value));
        c.setEnv(value.left(equals), value.mid(equals + 1));
        return {};
    }
    if (n == u"initializer"_qs)
        return parseHookFlag(value, c.initializer, u"initializer"_qs);
    if (n == u"initialization-timeout"_qs)
        return parseInt(s, value, seconds, c.initializer.timeoutS);
    if (n == u"pre-freeze"_qs)
        return parseHookFlag(value, c.preFreeze, u"preFreeze"_qs);
    if (n == u"pre-stop"_qs)
        return parseHookFlag(value, c.preStop, u"preStop"_qs);
    if (n == u"concurrency"_qs)
        return parseInt(s, value, count, c.instanceConcurrency);
    if (n == u"max-instances"_qs)
        return parseInt(s, value, count, c.maxInstances);
    if (n == u"provisioned"_qs)
        return parseInt(s, value, count, c.provisioned);
    if (n == u"idle-timeout"_qs)
        return parseInt(s, value, seconds, c.idleTimeoutS);
    if (n == u"instance-type"_qs) {
        const auto type = instanceTypeFromString(value);
        if (!type)
            return std::unexpected(usage(s, u"elastic or gpu"_qs, value));
        c.instanceType = *type;
        return {};
    }
    if (n == u"disk-size"_qs) {
        // A bare number is megabytes; "10G" or "512MB" are accepted too.
        bool ok = false;
        const int mb = value.trimmed().toInt(&ok);
        if (ok) {
            c.diskSizeMB = mb;
            return {};
        }
        const auto bytes = parseByteSize(value);
        if (!bytes || *bytes % (1024 * 1024) != 0 || *bytes / (1024 * 1024) > 1'000'000)
            return std::unexpected(usage(s, u"512 or 10240 (megabytes)"_qs, value));
        c.diskSizeMB = int(*bytes / (1024 * 1024));
        return {};
    }
    if (n == u"internet-access"_qs) {
        const QString v = value.trimmed().toLower();
        if (v != u"true"_qs && v != u"false"_qs)
            return std::unexpected(usage(s, u"true or false"_qs, value));
        c.internetAccess = v == u"true"_qs;
        return {};
    }
    if (n == u"mount"_qs) {
        auto mount = parseMount(value);
        if (!mount)
            return std::unexpected(mount.error());
        c.mounts.append(*mount);
        return {};
    }
    if (n == u"nas-root"_qs || n == u"oss-root"_qs) {
        // Checked with the mount points they map (storageIssues(), after the config file).
        if (value.trimmed().isEmpty())
            return std::unexpected(usage(s, u"a folder"_qs, value));
        (n == u"nas-root"_qs ? c.nasRoot : c.ossRoot) = QDir(value.trimmed()).absolutePath();
        dropMappedStorageFromIgnored(c);
        return {};
    }
    if (n == u"debug-port"_qs) {
        QList<int> ports;
        for (const QString &part : value.split(u',')) {
            bool ok = false;
            const int port = part.trimmed().toInt(&ok);
            if (!ok || port < 1 || port > 65535)
                return std::unexpected(usage(s, u"ports 1-65535, comma-separated"_qs, value));
            if (!ports.contains(port))
                ports.append(port);
        }
        c.debugPorts = ports;
        return {};
    }
    if (n == u"debug-args"_qs) {
        c.debugArgs = value.trimmed();
        return {};
    }
    if (n == u"seccomp"_qs) {
        const QString v = value.trimmed().toLower();
        if (v != u"default"_qs && v != u"unconfined"_qs)
            return std::unexpected(usage(s, u"default or unconfined"_qs, value));
        c.seccompUnconfined = v == u"unconfined"_qs;
        return {};
    }
    if (n == u"insecure-registry"_qs) {
        const QString v = value.trimmed().toLower();
        if (!v.isEmpty() && v != u"true"_qs && v != u"false"_qs)
            return std::unexpected(usage(s, u"no value, true or false"_qs, value));
        c.insecureRegistry = v != u"false"_qs;
        return {};
    }
    if (n == u"profile-startup"_qs || n == u"no-acceleration"_qs) {
        const QString v = value.trimmed().toLower();
        if (!v.isEmpty() && v != u"true"_qs && v != u"false"_qs)
            return std::unexpected(usage(s, u"no value, true or false"_qs, value));
        if (n == u"profile-startup"_qs)
            c.profileStartup = v != u"false"_qs;
        else
            c.imageAcceleration = v == u"false"_qs;
        return {};
    }
    if (n == u"registry-edition"_qs) {
        const auto edition = registryEditionFromString(value);
        if (!edition)
            return std::unexpected(usage(s, u"personal, basic, standard or advanced"_qs, value));
        c.registryEdition = *edition;
        return {};
    }
    if (n == u"account-id"_qs) {
        c.accountId = value.trimmed();
        return {};
    }
    if (n == u"region"_qs) {
        c.region = value.trimmed();
        return {};
    }
    if (n == u"startup-timeout"_qs)
        return parseInt(s, value, seconds, c.startupTimeoutS);
    if (n == u"pull-bandwidth"_qs) {
        double mbps = 0;
        if (auto ok = parseDouble(s, value, u"a number of megabytes per second"_qs, mbps); !ok)
            return ok;
        c.pullBandwidthMBps = mbps;
        return {};
    }
    if (n == u"billing"_qs) {
        const auto model = billingModelFromString(value);
        if (!model)
            return std::unexpected(usage(s, u"fc2 or fc3"_qs, value));
        c.billing = *model;
        return {};
    }
    return fail(ErrorKind::Usage, u"unknown function option %1"_qs.arg(option));
}

Result<FunctionConfig> resolveFunctionConfig(const QList<OptionValue> &options)
{
    QString configPath;
    QString name;
    QString accountId; // ${config('AccountID')} in the file
    for (const OptionValue &option : options) {
        const OptionSpec *spec = findFunctionOption(option.option);
        if (!spec)
            return fail(ErrorKind::Usage, u"unknown function option %1"_qs.arg(option.option));
        if (spec->name == u"config"_qs) {
            if (!configPath.isEmpty() && configPath != option.value)
                return fail(ErrorKind::Usage, u"--config given twice; pass one file"_qs);
            configPath = option.value;
        } else if (spec->name == u"name"_qs) {
            name = option.value.trimmed();
        } else if (spec->name == u"account-id"_qs) {
            accountId = option.value.trimmed();
        }
    }

    FunctionConfig config;
    if (!configPath.isEmpty()) {
        // With --name, take the file's function of that name when it has one; otherwise
        // the file's first function, renamed (flags win).
        Result<FunctionConfig> loaded = loadConfigFile(configPath, name, accountId);
        if (!loaded && !name.isEmpty()) {
            auto names = listConfigFunctions(configPath, accountId);
            if (names && !names->contains(name))
                loaded = loadConfigFile(configPath, {}, accountId);
        }
        if (!loaded)
            return std::unexpected(loaded.error());
        config = *loaded;
    }

    QSet<QString> fromFlags;
    for (const OptionValue &option : options) {
        const OptionSpec *spec = findFunctionOption(option.option);
        if (spec->name == u"config"_qs)
            continue;
        if (auto ok = applyOption(config, option.option, option.value); !ok)
            return std::unexpected(ok.error());
        fromFlags.insert(spec->field);
    }

    const QList<ValidationIssue> issues = validate(config);
    if (!issues.isEmpty()) {
        const ValidationIssue &first = issues.first();
        QString message = first.message;
        if (!configPath.isEmpty() && !fromFlags.contains(first.field))
            message = configPath + u": "_qs + message;
        return fail(ErrorKind::Usage, message);
    }
    // A mount folder that is missing (--mount, a NAS or OSS mount point's): exit 2 now, not a
    // failed start later.
    if (const QList<StorageIssue> storage = storageIssues(config); !storage.isEmpty())
        return fail(ErrorKind::Usage, storage.first().message);
    return config;
}

} // namespace Fcemu::Config
