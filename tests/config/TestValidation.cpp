#include <functional>

#include <QTest>

#include "config/Validation.h"

using namespace Fcemu::Config;

using Mutation = std::function<void(FunctionConfig &)>;
Q_DECLARE_METATYPE(Mutation)

class TestValidation final : public QObject
{
    Q_OBJECT

private:
    // A row: change the default configuration, then expect no issue (field empty) or
    // exactly one issue on `field` whose message contains `part`.
    static void row(const char *rule, Mutation mutate, const QString &field = {},
                    const QString &part = {})
    {
        QTest::newRow(rule) << mutate << field << part;
    }
    static Mutation envOf(const QString &key, const QString &value)
    {
        return [=](FunctionConfig &c) { c.env = {{key, value}}; };
    }

private slots:
    void rules_data()
    {
        QTest::addColumn<Mutation>("mutate");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("part");

        row("the default configuration is valid", [](FunctionConfig &) {});

        // memory: 128-32768 in steps of 64
        row("memory of 128 MB, the minimum, is accepted", [](auto &c) { c.memoryMB = 128; });
        row("memory of 32768 MB, the maximum, is accepted", [](auto &c) { c.memoryMB = 32768; });
        row(
            "memory of 64 MB, below the minimum, is refused", [](auto &c) { c.memoryMB = 64; },
            u"memorySize"_qs,
            u"--memory must be a multiple of 64 MB between 128 and 32768 (got 64)"_qs);
        row(
            "memory of 32832 MB, above the maximum, is refused",
            [](auto &c) { c.memoryMB = 32832; }, u"memorySize"_qs, u"(got 32832)"_qs);
        row(
            "memory not a multiple of 64 is refused", [](auto &c) { c.memoryMB = 1000; },
            u"memorySize"_qs, u"(got 1000)"_qs);
        row(
            "memory of 0 is refused", [](auto &c) { c.memoryMB = 0; }, u"memorySize"_qs,
            u"--memory"_qs);

        // vCPU: 0.05-16 in steps of 0.05, 1-4 GB per vCPU
        row("cpu 0.05 with 128 MB is accepted", [](auto &c) { c.memoryMB = 128, c.cpu = 0.05; });
        row("cpu 16 with 32768 MB is accepted", [](auto &c) { c.memoryMB = 32768, c.cpu = 16; });
        row(
            "cpu below 0.05 is refused", [](auto &c) { c.cpu = 0.0; }, u"cpu"_qs,
            u"--cpu must be a multiple of 0.05 between 0.05 and 16 (got 0)"_qs);
        row(
            "cpu above 16 is refused", [](auto &c) { c.memoryMB = 32768, c.cpu = 16.05; },
            u"cpu"_qs, u"(got 16.05)"_qs);
        row(
            "cpu not a multiple of 0.05 is refused", [](auto &c) { c.cpu = 0.33; }, u"cpu"_qs,
            u"(got 0.33)"_qs);
        row("1 GB per vCPU, the lowest ratio, is accepted",
            [](auto &c) { c.memoryMB = 2048, c.cpu = 2; });
        row("4 GB per vCPU, the highest ratio, is accepted",
            [](auto &c) { c.memoryMB = 2048, c.cpu = 0.5; });
        row(
            "less than 1 GB per vCPU is refused, with the allowed range",
            [](auto &c) { c.memoryMB = 2048, c.cpu = 2.05; }, u"cpu"_qs,
            u"for 2048 MB use --cpu 0.5 to 2"_qs);
        row(
            "more than 4 GB per vCPU is refused", [](auto &c) { c.memoryMB = 2048, c.cpu = 0.45; },
            u"cpu"_qs, u"1 to 4 GB of memory per vCPU"_qs);
        row("GPU instances are not held to the CPU ratio",
            [](auto &c) { c.memoryMB = 32768, c.cpu = 2, c.instanceType = InstanceType::Gpu; });

        // timeout: 1-86400
        row("timeout of 1 s is accepted", [](auto &c) { c.timeoutS = 1; });
        row("timeout of 86400 s is accepted", [](auto &c) { c.timeoutS = 86400; });
        row(
            "timeout of 0 is refused", [](auto &c) { c.timeoutS = 0; }, u"timeout"_qs,
            u"--timeout must be between 1 and 86400 seconds (got 0)"_qs);
        row(
            "timeout over a day is refused", [](auto &c) { c.timeoutS = 86401; }, u"timeout"_qs,
            u"(got 86401)"_qs);

        // port
        row("port 1 is accepted", [](auto &c) { c.caPort = 1; });
        row("port 65535 is accepted", [](auto &c) { c.caPort = 65535; });
        row(
            "port 0 is refused", [](auto &c) { c.caPort = 0; }, u"caPort"_qs,
            u"--port must be between 1 and 65535 (got 0)"_qs);
        row(
            "port 65536 is refused", [](auto &c) { c.caPort = 65536; }, u"caPort"_qs, u"--port"_qs);

        // concurrency: 1-200
        row("concurrency 1 is accepted", [](auto &c) { c.instanceConcurrency = 1; });
        row("concurrency 200 is accepted", [](auto &c) { c.instanceConcurrency = 200; });
        row(
            "concurrency 0 is refused", [](auto &c) { c.instanceConcurrency = 0; },
            u"instanceConcurrency"_qs, u"--concurrency must be between 1 and 200 (got 0)"_qs);
        row(
            "concurrency 201 is refused", [](auto &c) { c.instanceConcurrency = 201; },
            u"instanceConcurrency"_qs, u"(got 201)"_qs);

        // name: [A-Za-z_][A-Za-z0-9_-]*, 1-64
        row("a one-letter name is accepted", [](auto &c) { c.name = u"a"_qs; });
        row("a name may start with an underscore", [](auto &c) { c.name = u"_f"_qs; });
        row("a name may hold digits, underscores and hyphens",
            [](auto &c) { c.name = u"my-func_2"_qs; });
        row("a 64-character name is accepted", [](auto &c) { c.name = QString(64, u'n'); });
        row(
            "a 65-character name is refused", [](auto &c) { c.name = QString(65, u'n'); },
            u"functionName"_qs, u"--name must be 1-64 characters"_qs);
        row(
            "an empty name is refused", [](auto &c) { c.name.clear(); }, u"functionName"_qs,
            u"--name"_qs);
        row(
            "a name starting with a digit is refused", [](auto &c) { c.name = u"1func"_qs; },
            u"functionName"_qs, u"(got '1func')"_qs);
        row(
            "a name starting with a hyphen is refused", [](auto &c) { c.name = u"-func"_qs; },
            u"functionName"_qs, u"(got '-func')"_qs);
        row(
            "a name with a dot is refused", [](auto &c) { c.name = u"my.func"_qs; },
            u"functionName"_qs, u"(got 'my.func')"_qs);
        row(
            "an unresolved Serverless Devs variable as name says so",
            [](auto &c) { c.name = u"${vars.name}"_qs; }, u"functionName"_qs,
            u"Serverless Devs variable"_qs);
        row("an unresolved variable as service name is let through (no flag could fix it)",
            [](auto &c) { c.serviceName = u"${vars.service}"_qs; });
        row(
            "an invalid service name is refused", [](auto &c) { c.serviceName = u"svc!"_qs; },
            u"serviceName"_qs, u"(got 'svc!')"_qs);

        // environment: letter first, no FC_, 4 KB
        row("an env key of letters, digits and underscores is accepted",
            envOf(u"Db_Host2"_qs, u"x"_qs));
        row("an env key starting with a digit is refused", envOf(u"2FA"_qs, u"x"_qs),
            u"environmentVariables"_qs,
            u"--env '2FA': a variable name must start with a letter"_qs);
        row("an env key starting with an underscore is refused", envOf(u"_X"_qs, u"x"_qs),
            u"environmentVariables"_qs, u"'_X'"_qs);
        row("an env key with a hyphen is refused", envOf(u"MY-VAR"_qs, u"x"_qs),
            u"environmentVariables"_qs, u"'MY-VAR'"_qs);
        row("an env key starting with FC_ is refused as FC refuses it",
            envOf(u"FC_REGION"_qs, u"x"_qs), u"environmentVariables"_qs,
            u"--env FC_REGION: variable names starting with FC_ are reserved"_qs);
        row("env of exactly 4096 bytes (key plus value) is accepted",
            envOf(u"K"_qs, QString(4095, u'v')));
        row("env of 4097 bytes is refused", envOf(u"K"_qs, QString(4096, u'v')),
            u"environmentVariables"_qs, u"take 4097 bytes"_qs);
        row("env size counts UTF-8 bytes: 1 + 2047 two-byte characters fit",
            envOf(u"K"_qs, QString(2047, QChar(0xE9))));
        row("env size counts UTF-8 bytes: 1 + 2048 two-byte characters do not",
            envOf(u"K"_qs, QString(2048, QChar(0xE9))), u"environmentVariables"_qs,
            u"take 4097 bytes"_qs);
        row(
            "env size adds up every variable",
            [](auto &c) {
                for (int i = 0; i < 41; ++i)
                    c.env.append({u"VAR%1"_qs.arg(i, 2, 10, QChar(u'0')), QString(95, u'x')});
            },
            u"environmentVariables"_qs, u"take 4100 bytes"_qs);

        // disk
        row("disk 512 MB is accepted", [](auto &c) { c.diskSizeMB = 512; });
        row("disk 10240 MB is accepted", [](auto &c) { c.diskSizeMB = 10240; });
        row(
            "disk 1024 MB is refused", [](auto &c) { c.diskSizeMB = 1024; }, u"diskSize"_qs,
            u"--disk-size must be 512 or 10240 MB (got 1024)"_qs);
        row(
            "disk 0 is refused", [](auto &c) { c.diskSizeMB = 0; }, u"diskSize"_qs, u"(got 0)"_qs);

        // initializer and hooks
        row("initialization timeout 1 s is accepted", [](auto &c) { c.initializer.timeoutS = 1; });
        row("initialization timeout 300 s is accepted",
            [](auto &c) { c.initializer.timeoutS = 300; });
        row(
            "initialization timeout 0 is refused", [](auto &c) { c.initializer.timeoutS = 0; },
            u"initializationTimeout"_qs,
            u"--initialization-timeout must be between 1 and 300 seconds (got 0)"_qs);
        row(
            "initialization timeout 301 s is refused",
            [](auto &c) { c.initializer.timeoutS = 301; }, u"initializationTimeout"_qs,
            u"(got 301)"_qs);
        row("pre-stop timeout 90 s is accepted", [](auto &c) { c.preStop = {u"stop"_qs, 90}; });
        row(
            "pre-stop timeout 91 s is refused",
            [](auto &c) {
                c.preStop = {u"stop"_qs, 91};
            },
            u"instanceLifecycleConfig.preStop.timeout"_qs, u"between 1 and 90 seconds (got 91)"_qs);
        row(
            "pre-stop timeout 0 is refused", [](auto &c) { c.preStop.timeoutS = 0; },
            u"instanceLifecycleConfig.preStop.timeout"_qs, u"(got 0)"_qs);
        row(
            "pre-freeze timeout 91 s is refused",
            [](auto &c) {
                c.preFreeze = {u"f"_qs, 91};
            },
            u"instanceLifecycleConfig.preFreeze.timeout"_qs, u"(got 91)"_qs);

        // non-web-server mode: no hooks
        row("non-web-server mode alone is valid", [](auto &c) { c.webServerMode = false; });
        row(
            "non-web-server mode refuses an initializer",
            [](auto &c) { c.webServerMode = false, c.initializer.handler = u"i"_qs; },
            u"initializer"_qs, u"--initializer cannot be used with --web-server-mode false"_qs);
        row(
            "non-web-server mode refuses pre-freeze",
            [](auto &c) { c.webServerMode = false, c.preFreeze.handler = u"f"_qs; },
            u"instanceLifecycleConfig.preFreeze"_qs, u"--pre-freeze cannot be used"_qs);
        row(
            "non-web-server mode refuses pre-stop",
            [](auto &c) { c.webServerMode = false, c.preStop.handler = u"s"_qs; },
            u"instanceLifecycleConfig.preStop"_qs, u"--pre-stop cannot be used"_qs);
        row("hooks are fine in web-server mode", [](auto &c) {
            c.initializer.handler = u"i"_qs, c.preFreeze.handler = u"f"_qs,
            c.preStop.handler = u"s"_qs;
        });

        // instances
        row("max instances 1 is accepted", [](auto &c) { c.maxInstances = 1; });
        row(
            "max instances 0 is refused", [](auto &c) { c.maxInstances = 0; }, u"maxInstances"_qs,
            u"--max-instances must be between 1 and 300 (got 0)"_qs);
        row(
            "max instances 301 is refused", [](auto &c) { c.maxInstances = 301; },
            u"maxInstances"_qs, u"(got 301)"_qs);
        row("provisioned equal to max instances is accepted",
            [](auto &c) { c.maxInstances = 3, c.provisioned = 3; });
        row(
            "provisioned above max instances is refused",
            [](auto &c) { c.maxInstances = 3, c.provisioned = 4; }, u"provisioned"_qs,
            u"--provisioned must be between 0 and --max-instances (3) (got 4)"_qs);
        row(
            "negative provisioned is refused", [](auto &c) { c.provisioned = -1; },
            u"provisioned"_qs, u"(got -1)"_qs);
        row(
            "idle timeout 0 is refused", [](auto &c) { c.idleTimeoutS = 0; }, u"idleTimeout"_qs,
            u"--idle-timeout"_qs);
        row("startup timeout 3600 s is accepted", [](auto &c) { c.startupTimeoutS = 3600; });
        row(
            "startup timeout 0 is refused", [](auto &c) { c.startupTimeoutS = 0; },
            u"startupTimeout"_qs, u"--startup-timeout must be between 1 and 3600 seconds"_qs);
        row(
            "startup timeout 3601 s is refused", [](auto &c) { c.startupTimeoutS = 3601; },
            u"startupTimeout"_qs, u"(got 3601)"_qs);
        row("pull bandwidth 0.5 MB/s is accepted", [](auto &c) { c.pullBandwidthMBps = 0.5; });
        row(
            "pull bandwidth 0 is refused", [](auto &c) { c.pullBandwidthMBps = 0.0; },
            u"pullBandwidth"_qs, u"--pull-bandwidth must be"_qs);
        row(
            "negative pull bandwidth is refused", [](auto &c) { c.pullBandwidthMBps = -3.0; },
            u"pullBandwidth"_qs, u"(got -3)"_qs);
    }
    void rules()
    {
        QFETCH(Mutation, mutate);
        QFETCH(QString, field);
        QFETCH(QString, part);
        FunctionConfig c;
        mutate(c);
        const QList<ValidationIssue> issues = validate(c);
        if (field.isEmpty()) {
            QVERIFY2(issues.isEmpty(), issues.isEmpty() ? "" : qPrintable(issues.first().message));
            return;
        }
        QCOMPARE(issues.size(), 1);
        QCOMPARE(issues.first().field, field);
        QVERIFY2(issues.first().message.contains(part), qPrintable(issues.first().message));
        QVERIFY2(!issues.first().message.contains(u'\n'), "messages are one line");
    }

    void exampleMessageIsExact()
    {
        FunctionConfig c;
        c.memoryMB = 100;
        const auto issues = validate(c);
        QCOMPARE(issues.size(), 1);
        QCOMPARE(issues.first().message,
                 u"--memory must be a multiple of 64 MB between 128 and 32768 (got 100)"_qs);
    }

    void everyIssueIsReportedInOptionOrder()
    {
        FunctionConfig c;
        c.memoryMB = 100;
        c.timeoutS = 0;
        c.env = {{u"FC_X"_qs, u"1"_qs}};
        c.diskSizeMB = 1;
        const auto issues = validate(c);
        QStringList fields;
        for (const auto &issue : issues)
            fields.append(issue.field);
        QCOMPARE(fields, (QStringList{u"memorySize"_qs, u"timeout"_qs, u"environmentVariables"_qs,
                                      u"diskSize"_qs}));
    }
};

QTEST_APPLESS_MAIN(TestValidation)
#include "TestValidation.moc"
