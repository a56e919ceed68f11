#include <QTest>

#include "ConfigTestPrinters.h"
#include "config/FunctionConfig.h"
#include "config/Validation.h"

using namespace Fcemu;
using namespace Fcemu::Config;
using Json = nlohmann::ordered_json;

class TestFunctionConfig final : public QObject
{
    Q_OBJECT

private:
    static FunctionConfig everythingSet()
    {
        FunctionConfig c;
        c.name = u"resizer"_qs;
        c.serviceName = u"media"_qs;
        c.region = u"ap-southeast-1"_qs;
        c.handler = u"main"_qs;
        c.memoryMB = 3072;
        c.cpu = 1.5;
        c.timeoutS = 900;
        c.caPort = 8080;
        c.webServerMode = true;
        c.command = {u"/bin/server"_qs};
        c.args = {u"--port"_qs, u"8080"_qs, u"ünïcode"_qs};
        c.env = {{u"ZETA"_qs, u"last letter, first place"_qs},
                 {u"ALPHA"_qs, u"a=b"_qs},
                 {u"EMPTY"_qs, u""_qs}};
        c.initializer = {u"init"_qs, 45};
        c.preFreeze = {u"freeze"_qs, 7};
        c.preStop = {u"stop"_qs, 80};
        c.instanceConcurrency = 50;
        c.maxInstances = 7;
        c.provisioned = 2;
        c.idleTimeoutS = 240;
        c.instanceType = InstanceType::Gpu;
        c.diskSizeMB = 10240;
        c.startupTimeoutS = 30;
        c.pullBandwidthMBps = 12.5;
        c.billing = BillingModel::Fc3;
        return c;
    }

private slots:
    void defaultsAreFcs()
    {
        const FunctionConfig c;
        QCOMPARE(c.name, u"fcemu-function"_qs);
        QCOMPARE(c.serviceName, u"fcemu-service"_qs);
        QCOMPARE(c.region, u"cn-hangzhou"_qs);
        QCOMPARE(c.memoryMB, 512);
        QVERIFY(!c.cpu.has_value());
        QCOMPARE(c.timeoutS, 3);
        QCOMPARE(c.caPort, 9000);
        QVERIFY(c.webServerMode);
        QVERIFY(c.command.isEmpty());
        QVERIFY(c.args.isEmpty());
        QVERIFY(!c.initializer.isSet());
        QCOMPARE(c.initializer.timeoutS, 3);
        QVERIFY(!c.preFreeze.isSet());
        QVERIFY(!c.preStop.isSet());
        QCOMPARE(c.instanceConcurrency, 1);
        QCOMPARE(c.maxInstances, 10);
        QCOMPARE(c.provisioned, 0);
        QCOMPARE(c.idleTimeoutS, 180);
        QCOMPARE(c.instanceType, InstanceType::Elastic);
        QCOMPARE(c.diskSizeMB, 512);
        QCOMPARE(c.startupTimeoutS, 120);
        QVERIFY(!c.pullBandwidthMBps.has_value());
        QCOMPARE(c.billing, BillingModel::Fc2);
        QVERIFY(validate(c).isEmpty());
    }

    // The overview page: 3 GB on elastic instances for Personal and Enterprise Basic, 10 GB on GPU
    // instances, and 10 GB on every instance for Enterprise Standard and Advanced.
    void imageSizeLimitFollowsInstanceTypeAndRegistryEdition()
    {
        constexpr qint64 GB = 1LL << 30;
        using E = RegistryEdition;
        QCOMPARE(imageSizeLimit(InstanceType::Elastic, E::Personal).bytes, 3 * GB);
        QCOMPARE(imageSizeLimit(InstanceType::Elastic, E::Basic).bytes, 3 * GB);
        QCOMPARE(imageSizeLimit(InstanceType::Elastic, E::Standard).bytes, 10 * GB);
        QCOMPARE(imageSizeLimit(InstanceType::Elastic, E::Advanced).bytes, 10 * GB);
        QCOMPARE(imageSizeLimit(InstanceType::Gpu, E::Personal).bytes, 10 * GB);
        QCOMPARE(imageSizeLimit(InstanceType::Gpu, E::Basic).bytes, 10 * GB);
        QCOMPARE(imageSizeLimit(InstanceType::Elastic, E::Basic).reason,
                 u"elastic instances, Container Registry Enterprise Basic Edition"_qs);
        FunctionConfig c;
        QCOMPARE(c.registryEdition, E::Personal);
        QCOMPARE(imageSizeLimit(c).bytes, 3 * GB);
        c.registryEdition = E::Standard;
        QCOMPARE(imageSizeLimit(c).bytes, 10 * GB);
        QCOMPARE(registryEditionFromString(u" Advanced "_qs), E::Advanced);
        QVERIFY(!registryEditionFromString(u"enterprise"_qs));
    }

    void effectiveCpu_data()
    {
        QTest::addColumn<int>("memoryMB");
        QTest::addColumn<double>("cpu"); // < 0: unset
        QTest::addColumn<double>("expected");
        QTest::addRow("one vCPU per GB at 1024 MB") << 1024 << -1.0 << 1.0;
        QTest::addRow("default 512 MB gets half a vCPU") << 512 << -1.0 << 0.5;
        QTest::addRow("128 MB rounds down to 0.1, not up to 0.15") << 128 << -1.0 << 0.1;
        QTest::addRow("192 MB rounds down to 0.15") << 192 << -1.0 << 0.15;
        QTest::addRow("1536 MB gets 1.5") << 1536 << -1.0 << 1.5;
        QTest::addRow("memory above 16 GB is clamped to 16 vCPU") << 20480 << -1.0 << 16.0;
        QTest::addRow("32768 MB gets 16 vCPU") << 32768 << -1.0 << 16.0;
        QTest::addRow("an explicit cpu wins") << 1024 << 2.0 << 2.0;
    }
    void effectiveCpu()
    {
        QFETCH(int, memoryMB);
        QFETCH(double, cpu);
        QFETCH(double, expected);
        FunctionConfig c;
        c.memoryMB = memoryMB;
        if (cpu >= 0)
            c.cpu = cpu;
        QCOMPARE(Config::effectiveCpu(c), expected);
    }

    void derivedCpuIsValidForEveryValidMemorySize()
    {
        for (int memory = kMinMemoryMB; memory <= kMaxMemoryMB; memory += kMemoryStepMB) {
            FunctionConfig c;
            c.memoryMB = memory;
            c.cpu = Config::effectiveCpu(c);
            const auto issues = validate(c);
            if (!issues.isEmpty())
                QFAIL(qPrintable(u"%1 MB: %2"_qs.arg(memory).arg(issues.first().message)));
        }
    }

    void toJsonUsesFc3FieldNames()
    {
        const Json j = toJson(everythingSet());
        QCOMPARE(j.at("functionName").get<std::string>(), "resizer");
        QCOMPARE(j.at("memorySize").get<int>(), 3072);
        QCOMPARE(j.at("cpu").get<double>(), 1.5);
        QCOMPARE(j.at("timeout").get<int>(), 900);
        QCOMPARE(j.at("caPort").get<int>(), 8080);
        QCOMPARE(j.at("webServerMode").get<bool>(), true);
        QCOMPARE(j.at("command").dump(), "[\"/bin/server\"]");
        QCOMPARE(j.at("environmentVariables").dump(),
                 "{\"ZETA\":\"last letter, first place\",\"ALPHA\":\"a=b\",\"EMPTY\":\"\"}");
        QCOMPARE(j.at("initializer").get<std::string>(), "init");
        QCOMPARE(j.at("initializationTimeout").get<int>(), 45);
        QCOMPARE(j.at("instanceLifecycleConfig").at("preStop").dump(),
                 "{\"handler\":\"stop\",\"timeout\":80}");
        QCOMPARE(j.at("instanceConcurrency").get<int>(), 50);
        QCOMPARE(j.at("diskSize").get<int>(), 10240);
        QCOMPARE(j.at("instanceType").get<std::string>(), "gpu");
        QCOMPARE(j.at("billing").get<std::string>(), "fc3");
        QCOMPARE(j.at("pullBandwidth").get<double>(), 12.5);
    }

    void unsetOptionalsAreLeftOut()
    {
        const Json j = toJson(FunctionConfig());
        QVERIFY(!j.contains("cpu"));
        QVERIFY(!j.contains("pullBandwidth"));
        QVERIFY(!j.contains("initializer"));
    }

    void roundTrip_data()
    {
        QTest::addColumn<bool>("everything");
        QTest::addRow("defaults survive a round trip") << false;
        QTest::addRow("every field set survives a round trip, env order too") << true;
    }
    void roundTrip()
    {
        QFETCH(bool, everything);
        const FunctionConfig original = everything ? everythingSet() : FunctionConfig();
        const auto back = fromJson(toJson(original));
        QVERIFY2(back.has_value(), back ? "" : qPrintable(back.error().message));
        QCOMPARE(toJson(*back).dump(), toJson(original).dump());
        QVERIFY(*back == original);

        // Through text and a plain (sorted) nlohmann::json too: values survive, env order
        // becomes alphabetical.
        const nlohmann::json plain = nlohmann::json::parse(toJson(original).dump());
        const auto viaPlain = fromJson(plain);
        QVERIFY(viaPlain.has_value());
        QCOMPARE(viaPlain->memoryMB, original.memoryMB);
        QCOMPARE(viaPlain->env.size(), original.env.size());
        for (const EnvVar &var : original.env)
            QCOMPARE(viaPlain->envValue(var.key), var.value);
    }

    void fromJsonAcceptsFc3ApiShape()
    {
        const auto c =
            fromJson(Json::parse("{ "
                                 "\"functionName\": \"f\", \"memorySize\": \"1024\", "
                                 "\"customContainerConfig\": {\"entrypoint\": [\"python3\"], "
                                 "\"command\": [\"app.py\"], \"port\": 7000}, "
                                 "\"instanceLifecycleConfig\": {\"initializer\": {\"handler\": "
                                 "\"init\", \"timeout\": 9}, "
                                 "\"preStop\": {\"command\": [\"sh\", \"-c\", \"sleep 1\"]}}, "
                                 "\"gpuConfig\": {\"gpuMemorySize\": 8192} "
                                 "}"));
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->memoryMB, 1024);
        QCOMPARE(c->command, QStringList{u"python3"_qs});
        QCOMPARE(c->args, QStringList{u"app.py"_qs});
        QCOMPARE(c->caPort, 7000);
        QCOMPARE(c->initializer.handler, u"init"_qs);
        QCOMPARE(c->initializer.timeoutS, 9);
        QVERIFY2(c->preStop.isSet(), "a command-only hook still counts as configured");
        QCOMPARE(c->instanceType, InstanceType::Gpu);
    }

    void fromJsonAcceptsFc2ApiShape()
    {
        const auto c = fromJson(Json::parse("{ "
                                            "\"customContainerConfig\": {\"command\": "
                                            "\"[\\\"node\\\"]\", \"args\": \"[\\\"index.js\\\"]\", "
                                            "\"webServerMode\": false}, "
                                            "\"port\": 8123, \"initializer\": true "
                                            "}"));
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->command, QStringList{u"node"_qs});
        QCOMPARE(c->args, QStringList{u"index.js"_qs});
        QVERIFY(!c->webServerMode);
        QCOMPARE(c->caPort, 8123);
        QVERIFY(c->initializer.isSet());
    }

    void fromJsonRefusesWrongTypes_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::addRow("a word for memorySize names the key")
            << u"{\"memorySize\": \"lots\"}"_qs
            << u"memorySize: expected a whole number, got 'lots'"_qs;
        QTest::addRow("a fraction for timeout is refused")
            << u"{\"timeout\": 1.5}"_qs << u"timeout: expected a whole number, got 1.5"_qs;
        QTest::addRow("a list for functionName is refused")
            << u"{\"functionName\": [\"a\"]}"_qs << u"functionName: expected text, got a list"_qs;
        QTest::addRow("webServerMode must be a boolean")
            << u"{\"webServerMode\": \"maybe\"}"_qs
            << u"webServerMode: expected true or false, got 'maybe'"_qs;
        QTest::addRow("command must be a list of strings")
            << u"{\"command\": 5}"_qs << u"command: expected a list of strings, got 5"_qs;
        QTest::addRow("environmentVariables must be a mapping")
            << u"{\"environmentVariables\": [\"A=1\"]}"_qs
            << u"environmentVariables: expected a mapping"_qs;
        QTest::addRow("an env value that is a mapping names the variable")
            << u"{\"environmentVariables\": {\"A\": {\"b\": 1}}}"_qs
            << u"environmentVariables.A: expected text, got a mapping"_qs;
        QTest::addRow("a nested hook of the wrong type names the path")
            << u"{\"instanceLifecycleConfig\": {\"preStop\": 5}}"_qs
            << u"instanceLifecycleConfig.preStop: expected a handler"_qs;
        QTest::addRow("an unknown instance type is refused")
            << u"{\"instanceType\": \"tpu\"}"_qs << u"instanceType: expected elastic or gpu"_qs;
        QTest::addRow("an unknown billing model is refused")
            << u"{\"billing\": \"fc4\"}"_qs << u"billing: expected fc2 or fc3, got 'fc4'"_qs;
        QTest::addRow("a top level that is not an object is refused")
            << u"[1, 2]"_qs << u"must be a JSON object"_qs;
    }
    void fromJsonRefusesWrongTypes()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        const auto c = fromJson(Json::parse(json.toStdString()));
        QVERIFY(!c.has_value());
        QCOMPARE(c.error().kind, ErrorKind::Usage);
        QVERIFY2(c.error().message.contains(expected), qPrintable(c.error().message));
    }

    void setEnvReplacesInPlace()
    {
        FunctionConfig c;
        c.setEnv(u"A"_qs, u"1"_qs);
        c.setEnv(u"B"_qs, u"2"_qs);
        c.setEnv(u"A"_qs, u"3"_qs);
        QCOMPARE(c.env, (QList<EnvVar>{{u"A"_qs, u"3"_qs}, {u"B"_qs, u"2"_qs}}));
        QCOMPARE(c.envValue(u"A"_qs), u"3"_qs);
        QVERIFY(c.envValue(u"C"_qs).isNull());
    }
};

QTEST_APPLESS_MAIN(TestFunctionConfig)
#include "TestFunctionConfig.moc"
