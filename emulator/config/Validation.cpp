#include "config/Validation.h"

#include <cmath>

#include <QRegularExpression>

namespace Fcemu::Config {

namespace {

QString number(double value)
{
    return QString::number(value, 'g', 10);
}

// FC3 functionName: [A-Za-z_][A-Za-z0-9_-]*, 1–64 (fc-semantics §8.2); FC2 service names
// follow the same pattern with up to 128 characters.
bool matchesNamePattern(const QString &name)
{
    static const QRegularExpression pattern(u"\\A[A-Za-z_][A-Za-z0-9_-]*\\z"_qs);
    return pattern.match(name).hasMatch();
}

// The number of 0.05-vCPU steps in cpu, or -1 when cpu is not a multiple of 0.05.
qint64 cpuUnits(double cpu)
{
    if (!std::isfinite(cpu))
        return -1;
    const double units = cpu * 20.0;
    const double rounded = std::round(units);
    if (std::fabs(units - rounded) > 1e-6)
        return -1;
    return qint64(rounded);
}

class Checker final
{
public:
    void add(const QString &field, const QString &message) { m_issues.append({field, message}); }
    QList<ValidationIssue> take() { return std::move(m_issues); }

    void range(const QString &field, const QString &option, int value, int min, int max,
               const QString &unit)
    {
        if (value < min || value > max)
            add(field, u"%1 must be between %2 and %3%4 (got %5)"_qs.arg(
                           option, QString::number(min), QString::number(max),
                           unit.isEmpty() ? QString() : u' ' + unit, QString::number(value)));
    }

private:
    QList<ValidationIssue> m_issues;
};

void checkName(Checker &check, const QString &field, const QString &what, const QString &name,
               int maxLength)
{
    if (name.contains(u"${"_qs)) {
        // Serverless Devs resolves ${vars.x} itself; fcemu keeps it literal. The function
        // name can be fixed with --name; the service name has no flag and only feeds
        // FC_SERVICE_NAME and x-fc-service-name, so it is let through as written.
        if (field == u"functionName"_qs)
            check.add(field,
                      u"%1 '%2' is a Serverless Devs variable, which fcemu does not "
                      u"resolve; write the name in the file or pass --name"_qs.arg(what, name));
        return;
    }
    if (name.isEmpty() || name.size() > maxLength || !matchesNamePattern(name))
        check.add(field, u"%1 must be 1-%2 characters: a letter or underscore, then letters, "
                         u"digits, underscores or hyphens (got '%3')"_qs.arg(
                             what, QString::number(maxLength), name));
}

} // namespace

bool isValidEnvKey(const QString &key)
{
    static const QRegularExpression pattern(u"\\A[A-Za-z][A-Za-z0-9_]*\\z"_qs);
    return pattern.match(key).hasMatch() && !key.startsWith(u"FC_"_qs);
}

qsizetype environmentBytes(const FunctionConfig &config)
{
    qsizetype total = 0;
    for (const EnvVar &var : config.env)
        total += var.key.toUtf8().size() + var.value.toUtf8().size();
    return total;
}

QList<ValidationIssue> validate(const FunctionConfig &c)
{
    Checker check;

    checkName(check, u"functionName"_qs, u"--name"_qs, c.name, kMaxNameLength);
    checkName(check, u"serviceName"_qs, u"serviceName"_qs, c.serviceName, kMaxServiceNameLength);
    static const QRegularExpression accountPattern(u"\\A[0-9]{1,32}\\z"_qs);
    if (!c.accountId.isEmpty() && !accountPattern.match(c.accountId).hasMatch())
        check.add(
            u"accountId"_qs,
            u"--account-id must be the digits of an Alibaba Cloud account ID (got '%1')"_qs.arg(
                c.accountId));
    static const QRegularExpression regionPattern(u"\\A[a-z0-9]+(-[a-z0-9]+)*\\z"_qs);
    if (!regionPattern.match(c.region).hasMatch())
        check.add(u"region"_qs,
                  u"--region must be a region ID such as cn-hangzhou (got '%1')"_qs.arg(c.region));

    const bool memoryValid =
        c.memoryMB >= kMinMemoryMB && c.memoryMB <= kMaxMemoryMB && c.memoryMB % kMemoryStepMB == 0;
    if (!memoryValid)
        check.add(u"memorySize"_qs,
                  u"--memory must be a multiple of %1 MB between %2 and %3 (got %4)"_qs.arg(
                      QString::number(kMemoryStepMB), QString::number(kMinMemoryMB),
                      QString::number(kMaxMemoryMB), QString::number(c.memoryMB)));

    if (c.cpu) {
        const qint64 units = cpuUnits(*c.cpu);
        if (units < 1 || units > 320) {
            check.add(u"cpu"_qs,
                      u"--cpu must be a multiple of 0.05 between 0.05 and 16 (got %1)"_qs.arg(
                          number(*c.cpu)));
        } else if (memoryValid && c.instanceType == InstanceType::Elastic) {
            // FC3: 1 to 4 GB of memory per vCPU (fc-semantics §7). GPU instances come in
            // fixed specifications with their own ratios, so the rule is not applied there.
            const qint64 memory20 = qint64(c.memoryMB) * 20; // memory in GB * 1024 * 20
            if (memory20 < units * 1024 || memory20 > 4 * units * 1024) {
                const qint64 minUnits = (memory20 + 4 * 1024 - 1) / (4 * 1024);
                const qint64 maxUnits = std::min<qint64>(memory20 / 1024, 320);
                check.add(u"cpu"_qs,
                          u"--cpu %1 with --memory %2 MB is outside FC's rule of 1 to 4 GB of "
                          u"memory per vCPU; for %2 MB use --cpu %3 to %4 (a multiple of 0.05), "
                          u"or change --memory"_qs.arg(number(*c.cpu), QString::number(c.memoryMB),
                                                       number(double(minUnits) / 20.0),
                                                       number(double(maxUnits) / 20.0)));
            }
        }
    }

    check.range(u"timeout"_qs, u"--timeout"_qs, c.timeoutS, 1, kMaxTimeoutS, u"seconds"_qs);
    check.range(u"caPort"_qs, u"--port"_qs, c.caPort, 1, 65535, {});

    if (!c.webServerMode) {
        // CONTRACT §5: without a web server there is nothing to call the hooks on.
        const QString why = u" cannot be used with --web-server-mode false: without a web "
                            u"server FC calls no initializer or lifecycle hooks"_qs;
        if (c.initializer.isSet())
            check.add(u"initializer"_qs, u"--initializer"_qs + why);
        if (c.preFreeze.isSet())
            check.add(u"instanceLifecycleConfig.preFreeze"_qs, u"--pre-freeze"_qs + why);
        if (c.preStop.isSet())
            check.add(u"instanceLifecycleConfig.preStop"_qs, u"--pre-stop"_qs + why);
    }

    for (const EnvVar &var : c.env) {
        if (var.key.startsWith(u"FC_"_qs)) {
            check.add(u"environmentVariables"_qs,
                      u"--env %1: variable names starting with FC_ are reserved for FC's own "
                      u"variables; FC refuses them, pick another name"_qs.arg(var.key));
        } else if (!isValidEnvKey(var.key)) {
            check.add(u"environmentVariables"_qs,
                      u"--env '%1': a variable name must start with a letter and contain only "
                      u"letters, digits and underscores"_qs.arg(var.key));
        }
    }
    if (const qsizetype bytes = environmentBytes(c); bytes > kMaxEnvBytes)
        check.add(
            u"environmentVariables"_qs,
            u"--env: the variables take %1 bytes (names plus values, UTF-8); FC allows "
            u"at most %2 in total"_qs.arg(QString::number(bytes), QString::number(kMaxEnvBytes)));

    check.range(u"initializationTimeout"_qs, u"--initialization-timeout"_qs, c.initializer.timeoutS,
                1, kMaxInitializationTimeoutS, u"seconds"_qs);
    check.range(u"instanceLifecycleConfig.preFreeze.timeout"_qs,
                u"instanceLifecycleConfig.preFreeze.timeout"_qs, c.preFreeze.timeoutS, 1,
                kMaxHookTimeoutS, u"seconds"_qs);
    check.range(u"instanceLifecycleConfig.preStop.timeout"_qs,
                u"instanceLifecycleConfig.preStop.timeout"_qs, c.preStop.timeoutS, 1,
                kMaxHookTimeoutS, u"seconds"_qs);

    check.range(u"instanceConcurrency"_qs, u"--concurrency"_qs, c.instanceConcurrency, 1,
                kMaxConcurrency, {});
    check.range(u"maxInstances"_qs, u"--max-instances"_qs, c.maxInstances, 1, kMaxInstancesLimit,
                {});
    if (c.provisioned < 0 || c.provisioned > c.maxInstances)
        check.add(u"provisioned"_qs,
                  u"--provisioned must be between 0 and --max-instances (%1) (got %2)"_qs.arg(
                      QString::number(c.maxInstances), QString::number(c.provisioned)));
    check.range(u"idleTimeout"_qs, u"--idle-timeout"_qs, c.idleTimeoutS, 1, kMaxTimeoutS,
                u"seconds"_qs);
    if (c.diskSizeMB != 512 && c.diskSizeMB != 10240)
        check.add(u"diskSize"_qs,
                  u"--disk-size must be 512 or 10240 MB (got %1)"_qs.arg(c.diskSizeMB));
    check.range(u"startupTimeout"_qs, u"--startup-timeout"_qs, c.startupTimeoutS, 1,
                kMaxStartupTimeoutS, u"seconds"_qs);
    if (c.pullBandwidthMBps && !(std::isfinite(*c.pullBandwidthMBps) && *c.pullBandwidthMBps > 0))
        check.add(
            u"pullBandwidth"_qs,
            u"--pull-bandwidth must be a number of megabytes per second above 0 (got %1)"_qs.arg(
                number(*c.pullBandwidthMBps)));
    return check.take();
}

} // namespace Fcemu::Config
