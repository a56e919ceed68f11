#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include <QList>
#include <QString>
#include <QStringList>

#include "common/Error.h"
#include "config/Storage.h"

namespace Fcemu::Config {

enum class InstanceType { Elastic, Gpu };
// The Container Registry edition the image lives in: it sets FC's uncompressed image limit
// (the overview page; FcLimits.h).
enum class RegistryEdition { Personal, Basic, Standard, Advanced };
enum class BillingModel { Fc2, Fc3 };

// One user environment variable; FunctionConfig keeps them in the order they were given.
struct EnvVar
{
    QString key;
    QString value;
    bool operator==(const EnvVar &) const = default;
};

// A host folder bound into the instance (--mount HOST_DIR:PATH[:ro]; config/Mounts.h).
struct MountSpec
{
    QString hostDir; // absolute, canonical (no symlinks)
    QString path;    // absolute, clean, inside the instance
    bool readOnly = false;
    // NAS (StorageMounts.h): the folder's owner is shown as these ids inside, where the
    // sandbox can (run as root: an idmapped mount). Unset: as the sandbox maps it.
    std::optional<uint32_t> ownerUid, ownerGid;
    bool operator==(const MountSpec &) const = default;
};

// An HTTP lifecycle hook of a custom container (initializer, pre-freeze, pre-stop).
// For custom containers FC only cares whether a hook is configured: it then calls
// POST /initialize, GET /pre-freeze or GET /pre-stop, and sends the handler text in the
// x-fc-* headers. So "configured" is "handler not empty", as in FC2's API where an empty
// `initializer` string means none.
struct LifecycleHook
{
    QString handler;
    int timeoutS = 3; // FC2 API default for initializationTimeout and the hook timeouts

    bool isSet() const { return !handler.isEmpty(); }
    bool operator==(const LifecycleHook &) const = default;
};

// An s.yaml's HTTP trigger (fc3 triggerConfig, fc config, Funcraft Events Properties):
// which methods it takes (empty: every method) and whether calls must be signed
// (authType function; checked only when fcemu checks signatures, --access-key-id).
struct HttpTrigger
{
    QStringList methods; // upper case
    bool authFunction = false;

    bool operator==(const HttpTrigger &) const = default;
};

// Every FUNCTION OPTION of CONTRACT §1.1, with FC's defaults (fc-semantics §7, §8.2).
// A plain value type: copy it, compare it, round-trip it through toJson()/fromJson().
struct FunctionConfig
{
    QString name = u"fcemu-function"_qs;
    QString serviceName = u"fcemu-service"_qs; // FC2 only; FC3 has no services
    QString region = u"cn-hangzhou"_qs;
    // --account-id: FC_ACCOUNT_ID, x-fc-account-id and ${config('AccountID')}. Empty:
    // ALIBABA_CLOUD_ACCOUNT_ID from the environment, else a placeholder (Environment.h).
    QString accountId;
    QString handler = u"index.handler"_qs; // FC_FUNCTION_HANDLER; unused by a custom container

    int memoryMB = 512;        // FC3 CreateFunction default
    std::optional<double> cpu; // unset: derived from memory, see effectiveCpu()
    int timeoutS = 3;          // FC3 CreateFunction default
    int caPort = 9000;         // FC2 caPort / FC3 customContainerConfig.port
    bool webServerMode = true;

    // FC2 names. `command` replaces the image Entrypoint, `args` its Cmd (FC3 calls them
    // `entrypoint` and `command`). Empty means "use the image's".
    QStringList command;
    QStringList args;

    QList<EnvVar> env; // user variables, one per key, in order

    LifecycleHook initializer; // timeoutS is initializationTimeout (1–300)
    LifecycleHook preFreeze;   // FC2 only
    LifecycleHook preStop;     // timeout at most 90 s

    int instanceConcurrency = 1;
    int maxInstances = 10; // local default; FC's own limit is a per-region quota
    int provisioned = 0;
    int idleTimeoutS = 180; // FC reclaims idle on-demand instances after 3–5 minutes
    InstanceType instanceType = InstanceType::Elastic;
    int diskSizeMB = 512;                    // 512 or 10240
    int startupTimeoutS = 120;               // FC's CA start window
    std::optional<double> pullBandwidthMBps; // unset: no simulated registry pull
    BillingModel billing = BillingModel::Fc2;
    // --seccomp unconfined: no seccomp filter in the sandbox (fcemu's own switch; FC has none).
    bool seccompUnconfined = false;
    // FC3's internetAccess (FC2: the service's): outbound network through a user-mode stack,
    // the developer's machine as host.fcemu.internal. false: loopback only.
    bool internetAccess = true;
    // --insecure-registry: a registry IMAGE is pulled over plain HTTP (CONTRACT §1.3).
    bool insecureRegistry = false;
    // --profile-startup: record the cold start's reads (runtime/StartupProfile, CONTRACT §1.3).
    bool profileStartup = false;
    // Image acceleration (FC's default): once the image's start-up profile is known, a
    // simulated pull moves only what the start-up reads. --no-acceleration: the full image.
    bool imageAcceleration = true;
    // --registry-edition: which Container Registry edition FC would pull from (image limit).
    RegistryEdition registryEdition = RegistryEdition::Personal;
    HttpTrigger httpTrigger;
    // Properties of a config file that would change the function's behaviour on FC but that
    // fcemu does not apply: "key.path: ignored by fcemu (why)", one per property, in file
    // order. fcemu prints each as a warning; the GUI and the report show them.
    QStringList ignoredProperties;
    // --mount HOST_DIR:PATH[:ro] (repeatable), in order.
    QList<MountSpec> mounts;
    // --debug-port: 127.0.0.1:PORT on the host reaches PORT in the instance (a debugger's).
    QList<int> debugPorts;
    // --debug-args: inserted after the command's program (`node server.js` becomes
    // `node ARGS server.js`) and set as DEBUG_OPTIONS, as FC's runtime images read it.
    QString debugArgs;
    // The file's nasConfig and ossMountConfig (FC3 function, fc component service), and the
    // local folders they are mapped to (--nas-root, --oss-root; StorageMounts.h). Without a
    // root, the file's property is reported in ignoredProperties.
    NasConfig nasConfig;
    OssMountConfig ossMountConfig;
    QString nasRoot, ossRoot;
    // Either of them: FC's timeouts are suspended (docs/exec-and-debug.md).
    bool debugging() const { return !debugPorts.isEmpty() || !debugArgs.isEmpty(); }

    bool operator==(const FunctionConfig &) const = default;

    // The env value for key, or a null QString when the function does not set it.
    QString envValue(const QString &key) const;
    // Sets key=value, replacing the value in place when the key exists, else appending.
    void setEnv(const QString &key, const QString &value);
};

// The vCPU count the instance gets. When `cpu` is unset: one vCPU per GB of memory
// (memory/1024) rounded down to a multiple of 0.05 and clamped to 0.05–16. Rounding down
// keeps the result inside FC3's memory:vCPU rule (1 to 4 GB per vCPU) for every valid
// memory size: 128 MB -> 0.1 vCPU (1.25 GB/vCPU), 512 MB -> 0.5, 32768 MB -> 16 (2 GB/vCPU).
double effectiveCpu(const FunctionConfig &config);

QString instanceTypeName(InstanceType type);
QString billingModelName(BillingModel model);
QString registryEditionName(RegistryEdition edition); // "personal", "basic", ...
std::optional<InstanceType> instanceTypeFromString(const QString &text);
std::optional<RegistryEdition> registryEditionFromString(const QString &text);

// FC's limit on an image's uncompressed size (the overview page): 3 GB on elastic instances and
// 10 GB on GPU instances for Container Registry Personal and Enterprise Basic editions; 10 GB on
// every instance for Enterprise Standard and Advanced.
struct ImageSizeLimit
{
    qint64 bytes;
    QString reason; // "elastic instances, Container Registry Personal Edition"
};
ImageSizeLimit imageSizeLimit(InstanceType type, RegistryEdition edition);
ImageSizeLimit imageSizeLimit(const FunctionConfig &config);
std::optional<BillingModel> billingModelFromString(const QString &text);

// The plain JSON shape (FC3 camelCase names, FC2 `command`/`args`, flat):
// functionName, serviceName, region, handler, memorySize, cpu (only when set), timeout,
// caPort, webServerMode, command, args, environmentVariables (object), initializer
// (handler string, only when set), initializationTimeout,
// instanceLifecycleConfig {preFreeze, preStop: {handler, timeout}}, instanceConcurrency,
// maxInstances, provisioned, idleTimeout, instanceType, diskSize, startupTimeout,
// pullBandwidth (only when set), billing, seccomp ("unconfined", only when set),
// internetAccess (only when false), insecureRegistry (only when true), registryEdition
// (only when not personal), accountId (only when set),
// httpTrigger {methods, authType} (only when set), ignoredProperties (only when any), and only
// when set: mounts ["HOST_DIR:PATH[:ro]"], debugPorts [N], debugArgs, nasRoot, ossRoot,
// nasConfig and ossMountConfig (FC3's shapes). ordered_json
// keeps the environment variables in order; nlohmann::json converts to and from it implicitly.
nlohmann::ordered_json toJson(const FunctionConfig &config);

// Reads the shape toJson() writes on top of the defaults; absent keys keep their default.
// Also accepts `port` for caPort and an FC3 CreateFunctionInput-style
// customContainerConfig {entrypoint, command, port} / instanceLifecycleConfig.initializer.
// Unknown keys are ignored; a wrong type is a Usage error naming the key.
Result<FunctionConfig> fromJson(const nlohmann::ordered_json &json);

} // namespace Fcemu::Config
