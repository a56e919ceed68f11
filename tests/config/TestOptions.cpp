#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include "ConfigTestPrinters.h"
#include "config/Options.h"
#include "config/Validation.h"

using namespace Fcemu;
using namespace Fcemu::Config;

namespace {

QString dataFile(const char *name)
{
    return QStringLiteral(FCEMU_CONFIG_TEST_DATA) + u'/' + QString::fromUtf8(name);
}

QString jsonField(const FunctionConfig &c, const QString &path)
{
    nlohmann::ordered_json j = toJson(c);
    for (const QString &key : path.split(u'.')) {
        if (!j.contains(key.toStdString()))
            return u"<absent>"_qs;
        j = nlohmann::ordered_json(j.at(key.toStdString()));
    }
    return QString::fromStdString(j.dump());
}

} // namespace

Q_DECLARE_METATYPE(QList<Fcemu::Config::OptionValue>)

class TestOptions final : public QObject
{
    Q_OBJECT

private slots:
    void listCoversSpecOptionsInOrder()
    {
        QStringList names;
        for (const OptionSpec &spec : functionOptions()) {
            names.append(spec.name);
            QVERIFY2(!spec.help.isEmpty(), qPrintable(spec.name));
            QCOMPARE(findFunctionOption(spec.flag()), &spec);
        }
        // CONTRACT §1.1 FUNCTION OPTIONS, in its order.
        QCOMPARE(names, (QStringList{u"config"_qs,
                                     u"name"_qs,
                                     u"memory"_qs,
                                     u"cpu"_qs,
                                     u"timeout"_qs,
                                     u"port"_qs,
                                     u"web-server-mode"_qs,
                                     u"command"_qs,
                                     u"args"_qs,
                                     u"env"_qs,
                                     u"initializer"_qs,
                                     u"initialization-timeout"_qs,
                                     u"pre-freeze"_qs,
                                     u"pre-stop"_qs,
                                     u"concurrency"_qs,
                                     u"max-instances"_qs,
                                     u"provisioned"_qs,
                                     u"idle-timeout"_qs,
                                     u"instance-type"_qs,
                                     u"disk-size"_qs,
                                     u"startup-timeout"_qs,
                                     u"pull-bandwidth"_qs,
                                     u"billing"_qs,
                                     u"seccomp"_qs,
                                     u"internet-access"_qs,
                                     u"insecure-registry"_qs,
                                     u"profile-startup"_qs,
                                     u"no-acceleration"_qs,
                                     u"registry-edition"_qs,
                                     u"account-id"_qs,
                                     u"region"_qs,
                                     u"mount"_qs,
                                     u"nas-root"_qs,
                                     u"oss-root"_qs,
                                     u"debug-port"_qs,
                                     u"debug-args"_qs}));
        for (const char *flag : {"initializer", "pre-freeze", "pre-stop", "insecure-registry",
                                 "profile-startup", "no-acceleration"})
            QVERIFY(!findFunctionOption(QString::fromUtf8(flag))->takesValue());
        QVERIFY(findFunctionOption(u"--memory"_qs)->takesValue());
        QVERIFY(findFunctionOption(u"env"_qs)->repeatable);
        QVERIFY(!findFunctionOption(u"memory"_qs)->repeatable);
        QCOMPARE(findFunctionOption(u"--port"_qs)->field, u"caPort"_qs);
        QVERIFY(findFunctionOption(u"--nope"_qs) == nullptr);
    }

    void applies_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("json");
        QTest::addRow("--name sets functionName")
            << u"--name"_qs << u"api"_qs << u"functionName"_qs << u"\"api\""_qs;
        QTest::addRow("--memory sets memorySize")
            << u"--memory"_qs << u"2048"_qs << u"memorySize"_qs << u"2048"_qs;
        QTest::addRow("--cpu sets cpu") << u"--cpu"_qs << u"1.5"_qs << u"cpu"_qs << u"1.5"_qs;
        QTest::addRow("--timeout sets timeout")
            << u"--timeout"_qs << u"30"_qs << u"timeout"_qs << u"30"_qs;
        QTest::addRow("--port sets caPort")
            << u"--port"_qs << u"8080"_qs << u"caPort"_qs << u"8080"_qs;
        QTest::addRow("--web-server-mode false")
            << u"--web-server-mode"_qs << u"false"_qs << u"webServerMode"_qs << u"false"_qs;
        QTest::addRow("--web-server-mode is case-insensitive")
            << u"--web-server-mode"_qs << u"FALSE"_qs << u"webServerMode"_qs << u"false"_qs;
        QTest::addRow("--command takes a JSON array")
            << u"--command"_qs << u"[\"node\", \"--inspect\"]"_qs << u"command"_qs
            << u"[\"node\",\"--inspect\"]"_qs;
        QTest::addRow("--args takes a JSON array")
            << u"--args"_qs << u"[\"app.js\"]"_qs << u"args"_qs << u"[\"app.js\"]"_qs;
        QTest::addRow("--env K=V sets a variable")
            << u"--env"_qs << u"GREETING=hi there"_qs << u"environmentVariables"_qs
            << u"{\"GREETING\":\"hi there\"}"_qs;
        QTest::addRow("--env splits at the first =")
            << u"--env"_qs << u"URL=a=b"_qs << u"environmentVariables"_qs
            << u"{\"URL\":\"a=b\"}"_qs;
        QTest::addRow("--env K= sets an empty value")
            << u"--env"_qs << u"EMPTY="_qs << u"environmentVariables"_qs << u"{\"EMPTY\":\"\"}"_qs;
        QTest::addRow("--initializer without a value turns the initializer on")
            << u"--initializer"_qs << QString() << u"initializer"_qs << u"\"initializer\""_qs;
        QTest::addRow("--initialization-timeout") << u"--initialization-timeout"_qs << u"60"_qs
                                                  << u"initializationTimeout"_qs << u"60"_qs;
        QTest::addRow("--pre-freeze turns the hook on")
            << u"--pre-freeze"_qs << QString() << u"instanceLifecycleConfig.preFreeze.handler"_qs
            << u"\"preFreeze\""_qs;
        QTest::addRow("--pre-stop turns the hook on")
            << u"--pre-stop"_qs << QString() << u"instanceLifecycleConfig.preStop.handler"_qs
            << u"\"preStop\""_qs;
        QTest::addRow("--concurrency")
            << u"--concurrency"_qs << u"20"_qs << u"instanceConcurrency"_qs << u"20"_qs;
        QTest::addRow("--max-instances")
            << u"--max-instances"_qs << u"3"_qs << u"maxInstances"_qs << u"3"_qs;
        QTest::addRow("--provisioned")
            << u"--provisioned"_qs << u"2"_qs << u"provisioned"_qs << u"2"_qs;
        QTest::addRow("--idle-timeout")
            << u"--idle-timeout"_qs << u"300"_qs << u"idleTimeout"_qs << u"300"_qs;
        QTest::addRow("--instance-type gpu")
            << u"--instance-type"_qs << u"gpu"_qs << u"instanceType"_qs << u"\"gpu\""_qs;
        QTest::addRow("--disk-size in MB")
            << u"--disk-size"_qs << u"10240"_qs << u"diskSize"_qs << u"10240"_qs;
        QTest::addRow("--disk-size with a unit")
            << u"--disk-size"_qs << u"10G"_qs << u"diskSize"_qs << u"10240"_qs;
        QTest::addRow("--startup-timeout")
            << u"--startup-timeout"_qs << u"30"_qs << u"startupTimeout"_qs << u"30"_qs;
        QTest::addRow("--seccomp")
            << u"--seccomp"_qs << u"unconfined"_qs << u"seccomp"_qs << u"\"unconfined\""_qs;
        QTest::addRow("--internet-access false")
            << u"--internet-access"_qs << u"false"_qs << u"internetAccess"_qs << u"false"_qs;
        QTest::addRow("--registry-edition standard") << u"--registry-edition"_qs << u"standard"_qs
                                                     << u"registryEdition"_qs << u"\"standard\""_qs;
        QTest::addRow("--pull-bandwidth")
            << u"--pull-bandwidth"_qs << u"12.5"_qs << u"pullBandwidth"_qs << u"12.5"_qs;
        QTest::addRow("--billing fc3")
            << u"--billing"_qs << u"fc3"_qs << u"billing"_qs << u"\"fc3\""_qs;
        QTest::addRow("an option name without dashes works too")
            << u"memory"_qs << u"4096"_qs << u"memorySize"_qs << u"4096"_qs;
    }
    void debugOptionsSetPortsAndArgs()
    {
        FunctionConfig c;
        QVERIFY(!c.debugging());
        QVERIFY(applyOption(c, u"--debug-port"_qs, u"9229, 5678,9229"_qs));
        QCOMPARE(c.debugPorts, (QList<int>{9229, 5678})); // a repeated port once
        QVERIFY(c.debugging());
        FunctionConfig d;
        QVERIFY(applyOption(d, u"--debug-args"_qs, u"--inspect=0.0.0.0:9229"_qs));
        QCOMPARE(d.debugArgs, u"--inspect=0.0.0.0:9229"_qs);
        QVERIFY(d.debugging());
    }
    void mountsAreCheckedAndKeptInOrder()
    {
        QTemporaryDir dir;
        FunctionConfig c;
        QVERIFY(applyOption(c, u"--mount"_qs, dir.path() + u":/mnt/data"_qs));
        QVERIFY(applyOption(c, u"--mount"_qs, dir.path() + u"/:/srv//config/:ro"_qs));
        QCOMPARE(c.mounts.size(), 2);
        QCOMPARE(c.mounts[0].path, u"/mnt/data"_qs);
        QVERIFY(!c.mounts[0].readOnly);
        QCOMPARE(c.mounts[1].path, u"/srv/config"_qs);
        QVERIFY(c.mounts[1].readOnly);
        QCOMPARE(c.mounts[1].hostDir, QFileInfo(dir.path()).canonicalFilePath());

        const auto missing = applyOption(c, u"--mount"_qs, dir.path() + u"/nope:/mnt/x"_qs);
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind, ErrorKind::Usage);
        QVERIFY(missing.error().message.contains(u"/nope does not exist"_qs));
        for (const QString &system : {u"/"_qs, u"/usr/lib/x"_qs, u"/etc"_qs, u"/proc"_qs,
                                      u"/dev/shm"_qs, u"/sys"_qs, u"/bin"_qs, u"/lib64"_qs}) {
            const auto refused = applyOption(c, u"--mount"_qs, dir.path() + u':' + system);
            QVERIFY2(!refused, qPrintable(system));
            QVERIFY(refused.error().message.contains(u"system folders"_qs));
        }
        QVERIFY(!applyOption(c, u"--mount"_qs, dir.path() + u":relative"_qs));
        QVERIFY(!applyOption(c, u"--mount"_qs, dir.path()));
        QCOMPARE(c.mounts.size(), 2);
    }
    void applies()
    {
        QFETCH(QString, option);
        QFETCH(QString, value);
        QFETCH(QString, field);
        QFETCH(QString, json);
        FunctionConfig c;
        QVERIFY(jsonField(c, field) != json);
        const auto ok = applyOption(c, option, value);
        QVERIFY2(ok.has_value(), ok ? "" : qPrintable(ok.error().message));
        QCOMPARE(jsonField(c, field), json);
    }

    void refusesBadValues_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("message");
        QTest::addRow("a word for --memory")
            << u"--memory"_qs << u"lots"_qs
            << u"--memory expects a whole number of megabytes (got 'lots')"_qs;
        QTest::addRow("a fraction for --timeout")
            << u"--timeout"_qs << u"1.5"_qs
            << u"--timeout expects a whole number of seconds (got '1.5')"_qs;
        QTest::addRow("a word for --cpu")
            << u"--cpu"_qs << u"half"_qs
            << u"--cpu expects a number of vCPUs such as 0.5 (got 'half')"_qs;
        QTest::addRow("--seccomp wants default or unconfined")
            << u"--seccomp"_qs << u"off"_qs
            << u"--seccomp expects default or unconfined (got 'off')"_qs;
        QTest::addRow("--registry-edition names an edition")
            << u"--registry-edition"_qs << u"enterprise"_qs
            << u"--registry-edition expects personal, basic, standard or advanced (got "
               u"'enterprise')"_qs;
        QTest::addRow("--internet-access wants true or false")
            << u"--internet-access"_qs << u"no"_qs
            << u"--internet-access expects true or false (got 'no')"_qs;
        QTest::addRow("--debug-port 0 is no port")
            << u"--debug-port"_qs << u"9229,0"_qs
            << u"--debug-port expects ports 1-65535, comma-separated (got '9229,0')"_qs;
        QTest::addRow("--debug-port a word")
            << u"--debug-port"_qs << u"inspector"_qs
            << u"--debug-port expects ports 1-65535, comma-separated (got 'inspector')"_qs;
        QTest::addRow("--web-server-mode wants true or false")
            << u"--web-server-mode"_qs << u"yes"_qs
            << u"--web-server-mode expects true or false (got 'yes')"_qs;
        QTest::addRow("--command is not a JSON array")
            << u"--command"_qs << u"node server.js"_qs
            << u"--command expects a JSON array of strings such as '[\"node\", \"server.js\"]' (got 'node server.js')"_qs;
        QTest::addRow("--args holding a number")
            << u"--args"_qs << u"[1]"_qs << u"--args expects a JSON array of strings"_qs;
        QTest::addRow("--env without =")
            << u"--env"_qs << u"JUSTKEY"_qs << u"--env expects KEY=VALUE (got 'JUSTKEY')"_qs;
        QTest::addRow("--env with an empty key")
            << u"--env"_qs << u"=v"_qs << u"--env expects KEY=VALUE (got '=v')"_qs;
        QTest::addRow("--instance-type cpu")
            << u"--instance-type"_qs << u"tpu"_qs
            << u"--instance-type expects elastic or gpu (got 'tpu')"_qs;
        QTest::addRow("--billing fc1")
            << u"--billing"_qs << u"fc1"_qs << u"--billing expects fc2 or fc3 (got 'fc1')"_qs;
        QTest::addRow("--disk-size a word")
            << u"--disk-size"_qs << u"big"_qs
            << u"--disk-size expects 512 or 10240 (megabytes) (got 'big')"_qs;
        QTest::addRow("--pull-bandwidth a word")
            << u"--pull-bandwidth"_qs << u"fast"_qs
            << u"--pull-bandwidth expects a number of megabytes per second (got 'fast')"_qs;
        QTest::addRow("--name empty")
            << u"--name"_qs << u" "_qs << u"--name expects a function name (got ' ')"_qs;
        QTest::addRow("an unknown option")
            << u"--colour"_qs << u"red"_qs << u"unknown function option --colour"_qs;
        QTest::addRow("--config is not an overlay")
            << u"--config"_qs << u"s.yaml"_qs << u"--config names a file"_qs;
    }
    void refusesBadValues()
    {
        QFETCH(QString, option);
        QFETCH(QString, value);
        QFETCH(QString, message);
        FunctionConfig c;
        const FunctionConfig before = c;
        const auto ok = applyOption(c, option, value);
        QVERIFY(!ok.has_value());
        QCOMPARE(ok.error().kind, ErrorKind::Usage);
        QVERIFY2(ok.error().message.startsWith(message), qPrintable(ok.error().message));
        QVERIFY2(c == before, "a refused value changes nothing");
    }

    void emptyJsonArrayGoesBackToTheImage()
    {
        FunctionConfig c;
        c.command = {u"from-file"_qs};
        c.args = {u"a"_qs};
        QVERIFY(applyOption(c, u"--command"_qs, u"[]"_qs));
        QVERIFY(applyOption(c, u"--args"_qs, u" [ ] "_qs));
        QVERIFY(c.command.isEmpty());
        QVERIFY(c.args.isEmpty());
    }

    void envIsRepeatableAndOverridesByKey()
    {
        FunctionConfig c;
        c.env = {{u"FROM_FILE"_qs, u"1"_qs}, {u"SHARED"_qs, u"file"_qs}};
        QVERIFY(applyOption(c, u"--env"_qs, u"NEW=2"_qs));
        QVERIFY(applyOption(c, u"--env"_qs, u"SHARED=flag"_qs));
        QVERIFY(applyOption(c, u"--env"_qs, u"NEW=3"_qs));
        QCOMPARE(c.env, (QList<EnvVar>{{u"FROM_FILE"_qs, u"1"_qs},
                                       {u"SHARED"_qs, u"flag"_qs},
                                       {u"NEW"_qs, u"3"_qs}}));
    }

    void hookFlagsKeepAHandlerFromTheFile()
    {
        FunctionConfig c;
        c.initializer.handler = u"index.init"_qs;
        QVERIFY(applyOption(c, u"--initializer"_qs));
        QCOMPARE(c.initializer.handler, u"index.init"_qs);
        QVERIFY(applyOption(c, u"--initializer"_qs, u"false"_qs));
        QVERIFY(!c.initializer.isSet());
    }

    void flagsWinOverTheFile()
    {
        const auto c = resolveFunctionConfig({{u"--config"_qs, dataFile("fc3-s.yaml")},
                                              {u"--memory"_qs, u"2048"_qs},
                                              {u"--timeout"_qs, u"10"_qs},
                                              {u"--env"_qs, u"TZ=UTC"_qs},
                                              {u"--env"_qs, u"EXTRA=1"_qs},
                                              {u"--billing"_qs, u"fc2"_qs}});
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->memoryMB, 2048);                  // flag
        QCOMPARE(c->timeoutS, 10);                    // flag
        QCOMPARE(c->billing, BillingModel::Fc2);      // flag
        QCOMPARE(c->name, u"my-func"_qs);             // file
        QCOMPARE(c->caPort, 9001);                    // file
        QCOMPARE(c->cpu, std::optional<double>(0.5)); // file
        QCOMPARE(c->env,
                 (QList<EnvVar>{{u"TZ"_qs, u"UTC"_qs},
                                {u"LD_LIBRARY_PATH"_qs, u"/code:/code/lib:/usr/local/lib"_qs},
                                {u"EXTRA"_qs, u"1"_qs}}));
    }

    void flagsAloneStartFromDefaults()
    {
        const auto c = resolveFunctionConfig({{u"--port"_qs, u"8080"_qs}});
        QVERIFY(c.has_value());
        FunctionConfig expected;
        expected.caPort = 8080;
        QVERIFY(*c == expected);
    }

    void nameSelectsTheFunctionInTheFile()
    {
        const auto c = resolveFunctionConfig(
            {{u"--config"_qs, dataFile("fc3-s.yaml")}, {u"--name"_qs, u"queue-worker"_qs}});
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->name, u"queue-worker"_qs);
        QCOMPARE(c->caPort, 8000);
    }

    void fcFunctionWithVariablesRuns()
    {
        const auto c = resolveFunctionConfig(
            {{u"--config"_qs, dataFile("fc-s.yaml")}, {u"--name"_qs, u"batch-job"_qs}});
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->serviceName, u"web-demo"_qs); // ${vars.service}, resolved as `s` does
        QVERIFY(!c->webServerMode);
    }

    void nameNotInTheFileRenamesTheFirstFunction()
    {
        const auto c = resolveFunctionConfig(
            {{u"--config"_qs, dataFile("fc3-s.yaml")}, {u"--name"_qs, u"renamed"_qs}});
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->name, u"renamed"_qs);
        QCOMPARE(c->caPort, 9001); // my-func's
    }

    void resolveReportsTheFirstIssue_data()
    {
        QTest::addColumn<QList<OptionValue>>("options");
        QTest::addColumn<QString>("message");
        const QString fc = dataFile("fc-s.yaml");
        QTest::addRow("an out-of-range flag names the option")
            << QList<OptionValue>{{u"--memory"_qs, u"100"_qs}}
            << u"--memory must be a multiple of 64 MB between 128 and 32768 (got 100)"_qs;
        QTest::addRow("a file value broken by a flag is blamed on the flag")
            << QList<OptionValue>{{u"--config"_qs, fc},
                                  {u"--web-server-mode"_qs, u"false"_qs},
                                  {u"--initializer"_qs, {}}}
            << u"--initializer cannot be used with --web-server-mode false"_qs;
        QTest::addRow("an invalid value from the file is prefixed with the file")
            << QList<OptionValue>{{u"--config"_qs, fc}, {u"--web-server-mode"_qs, u"false"_qs}}
            << fc + u": --initializer cannot be used with --web-server-mode false"_qs;
        QTest::addRow("a syntax error in a flag stops before validation")
            << QList<OptionValue>{{u"--timeout"_qs, u"soon"_qs}, {u"--memory"_qs, u"100"_qs}}
            << u"--timeout expects a whole number of seconds (got 'soon')"_qs;
        QTest::addRow("two config files are refused")
            << QList<OptionValue>{{u"--config"_qs, fc}, {u"--config"_qs, u"other.yaml"_qs}}
            << u"--config given twice"_qs;
        QTest::addRow("a broken config file is reported as is")
            << QList<OptionValue>{{u"--config"_qs, dataFile("missing.yaml")}}
            << dataFile("missing.yaml") + u": cannot read"_qs;
    }
    void resolveReportsTheFirstIssue()
    {
        QFETCH(QList<OptionValue>, options);
        QFETCH(QString, message);
        const auto c = resolveFunctionConfig(options);
        QVERIFY(!c.has_value());
        QCOMPARE(c.error().kind, ErrorKind::Usage);
        QVERIFY2(c.error().message.startsWith(message), qPrintable(c.error().message));
    }
};

QTEST_APPLESS_MAIN(TestOptions)
#include "TestOptions.moc"
