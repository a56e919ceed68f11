#include "InstanceSetup.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>

#include <atomic>

#include "ImageUser.h"
#include "billing/PriceTable.h"
#include "config/Environment.h"
#include "config/StorageMounts.h"

namespace Fcemu::Runtime {

qint64 monotonicNs()
{
    static const QElapsedTimer clock = []() -> QElapsedTimer {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.nsecsElapsed();
}

QString nextInstanceAddress()
{
    static std::atomic<int> counter{0};
    return u"21.0.0."_qs + QString::number(2 + (counter++ % 250));
}

QString debuggingNote(const Config::FunctionConfig &config)
{
    QStringList ports;
    for (const int port : config.debugPorts)
        ports.append(u"127.0.0.1:"_qs + QString::number(port));
    return u"FC Debug: timeouts suspended while debugging (invoke, initializer, startup)"_qs +
           (ports.isEmpty() ? QString() : u"; debugger ports "_qs + ports.join(u", "_qs));
}

QStringList insertDebugArgs(const QStringList &argv, const QString &debugArgs)
{
    QStringList result = argv.mid(0, 1);
    result += QProcess::splitCommand(debugArgs);
    result += argv.mid(1);
    return result;
}

Result<Sandbox::SandboxSpec> instanceSpec(const Config::FunctionConfig &config,
                                          const PreparedImage &image, const QString &instanceId,
                                          const QStringList &extraEnv)
{
    const Image::ImageConfig &imageConfig = image.entry.config;
    auto argv = Config::buildCommand(config, imageConfig.entrypoint, imageConfig.cmd);
    if (!argv)
        return std::unexpected(argv.error());
    auto user = resolveImageUser(imageConfig.user, image.entry.rootfs);
    if (!user)
        return std::unexpected(user.error());
    Sandbox::SandboxSpec spec;
    spec.rootfs = image.entry.rootfs;
    spec.argv = *argv;
    spec.env = Config::buildEnvironment(config, imageConfig.env, instanceId,
                                        QProcessEnvironment::systemEnvironment());
    spec.env += extraEnv;
    if (!config.debugArgs.isEmpty()) {
        // --debug-args: the runtime's own options, right after its program
        // (docs/exec-and-debug.md).
        spec.argv = insertDebugArgs(spec.argv, config.debugArgs);
        spec.env.append(u"DEBUG_OPTIONS="_qs + config.debugArgs);
    }
    spec.workingDir = imageConfig.workingDir.isEmpty() ? u"/"_qs : imageConfig.workingDir;
    spec.seccomp = !config.seccompUnconfined;
    spec.outboundNetwork = config.internetAccess;
    // A job's command is its request: the network is up before it runs. A web server boots
    // while the stack comes up; the first request waits for it (sandbox/Network.h).
    spec.networkBeforeCommand = !config.webServerMode;
    // --mount, then the NAS and OSS mount points (--nas-root, --oss-root).
    auto storage = Config::storageMounts(config);
    if (!storage)
        return std::unexpected(storage.error());
    for (const Config::MountSpec &mount : config.mounts + *storage)
        spec.binds.append({mount.hostDir, mount.path, mount.readOnly,
                           mount.ownerUid ? qint64(*mount.ownerUid) : -1,
                           mount.ownerGid ? qint64(*mount.ownerGid) : -1});
    spec.uid = user->uid;
    spec.gid = user->gid;
    spec.diskSizeBytes = quint64(config.diskSizeMB) << 20;
    spec.memoryLimitBytes = quint64(config.memoryMB) << 20;
    spec.vcpu = Config::effectiveCpu(config);
    spec.hostname = instanceId.left(63);
    spec.instanceAddress = nextInstanceAddress();
    return spec;
}

void closeRecord(Telemetry::InvocationRecord &record, const Config::FunctionConfig &config,
                 const PreparedImage &image)
{
    Billing::InvocationUsage usage;
    usage.memoryMB = config.memoryMB;
    usage.vcpu = Config::effectiveCpu(config);
    usage.diskMB = config.diskSizeMB;
    usage.durationMs = record.timings.invokeMs;
    usage.pullMs = record.timings.pullMs;
    // FC charges a pull only when the image was not cached (custom-container overview).
    usage.imageCached = image.cached || record.timings.pullMs == 0;
    Billing::BillingOptions options;
    options.model =
        config.billing == Config::BillingModel::Fc3 ? Billing::Model::Fc3 : Billing::Model::Fc2;
    options.withWorking = false; // built when someone looks (InvocationRecord::billingWorking)
    record.billing = Billing::charge(usage, options, Billing::PriceTable::builtIn());
    record.billingUsage = usage;
    record.billingOptions = options;
    record.responseHeaders.prepend({"X-Fc-Request-Id", record.requestId.toUtf8()});
    if (!record.instanceId.isEmpty())
        record.responseHeaders.append({"X-Fc-Instance-Id", record.instanceId.toUtf8()});
    record.responseHeaders.append(
        {"X-Fc-Invocation-Duration", QByteArray::number(qint64(record.timings.invokeMs))});
    record.responseHeaders.append(
        {"X-Fc-Max-Memory-Usage", QByteArray::number(record.maxUsedMB, 'f', 2)});
}

} // namespace Fcemu::Runtime
