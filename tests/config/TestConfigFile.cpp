#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "ConfigTestPrinters.h"
#include "config/ConfigFile.h"
#include "config/Validation.h"

using namespace Fcemu;
using namespace Fcemu::Config;

namespace {

QString dataFile(const char *name)
{
    return QStringLiteral(FCEMU_CONFIG_TEST_DATA) + u'/' + QString::fromUtf8(name);
}

QList<EnvVar> envOf(std::initializer_list<std::pair<const char *, const char *>> vars)
{
    QList<EnvVar> list;
    for (const auto &[key, value] : vars)
        list.append({QString::fromUtf8(key), QString::fromUtf8(value)});
    return list;
}

} // namespace

class TestConfigFile final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        file.write(content);
        return path;
    }

    static FunctionConfig load(const QString &path, const QString &name = {})
    {
        const auto c = loadConfigFile(path, name);
        if (!c)
            qWarning("%s", qPrintable(c.error().message));
        return c.value_or(FunctionConfig{});
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void detectsEachFormat_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("format");
        QTest::addRow("edition 1.0.0 with services is component fc")
            << dataFile("fc-s.yaml") << int(ConfigFormat::ServerlessDevsFc);
        QTest::addRow("edition 3.0.0 with resources is component fc3")
            << dataFile("fc3-s.yaml") << int(ConfigFormat::ServerlessDevsFc3);
        QTest::addRow("ROSTemplateFormatVersion and Resources is Funcraft")
            << dataFile("template.yml") << int(ConfigFormat::Funcraft);
        QTest::addRow("a JSON object of function fields is plain JSON")
            << dataFile("function.json") << int(ConfigFormat::Plain);
    }
    void detectsEachFormat()
    {
        QFETCH(QString, file);
        QFETCH(int, format);
        const auto detected = detectConfigFormat(file);
        QVERIFY2(detected.has_value(), detected ? "" : qPrintable(detected.error().message));
        QCOMPARE(int(*detected), format);
    }

    void loadsServerlessDevsFc()
    {
        const FunctionConfig c = load(dataFile("fc-s.yaml"));
        QCOMPARE(c.name, u"custom-container-function"_qs); // the nodejs14 worker is skipped
        QCOMPARE(c.serviceName, u"web-demo"_qs);
        QCOMPARE(c.region, u"cn-shanghai"_qs);
        QCOMPARE(c.handler, u"not-used"_qs);
        QCOMPARE(c.caPort, 8080);
        QCOMPARE(c.memoryMB, 1024);
        QCOMPARE(c.timeoutS, 60);
        QCOMPARE(c.instanceConcurrency, 10);
        QCOMPARE(c.instanceType, InstanceType::Elastic);
        QCOMPARE(c.env, envOf({{"NODE_ENV", "production"}, {"PORT", "8080"}, {"DEBUG", "false"}}));
        QCOMPARE(c.initializer, (LifecycleHook{u"index.initializer"_qs, 20}));
        QCOMPARE(c.preFreeze, (LifecycleHook{u"index.preFreeze"_qs, 5}));
        QCOMPARE(c.preStop, (LifecycleHook{u"index.preStop"_qs, 10}));
        QCOMPARE(c.command, QStringList{u"node"_qs});
        QCOMPARE(c.args, (QStringList{u"server.js"_qs, u"--port"_qs, u"8080"_qs}));
        QVERIFY(c.webServerMode);
        QCOMPARE(c.billing, BillingModel::Fc2);
        QVERIFY(validate(c).isEmpty());
    }

    // `s` resolves ${vars.x} before the component reads its props (issue 17); a whole-value
    // reference keeps the value's type (here the service mapping).
    void loadsNamedFcFunctionAndResolvesVariables()
    {
        const FunctionConfig c = load(dataFile("fc-s.yaml"), u"batch-job"_qs);
        QCOMPARE(c.name, u"batch-job"_qs);
        QVERIFY(!c.webServerMode);
        QCOMPARE(c.timeoutS, 600);
        QCOMPARE(c.caPort, 9000); // no caPort: FC's default
        QCOMPARE(c.region, u"cn-shanghai"_qs);
        QCOMPARE(c.serviceName, u"web-demo"_qs);
        QVERIFY(c.command.isEmpty());
    }

    // The fc3 template of Serverless Devs' docs (docs.serverless-devs.com, "yaml specification"
    // and the custom-container example of the fc3 component, devsapp/fc3
    // __tests__/e2e/custom-container/s.yaml), as issue 17 quotes it: vars, ${vars.x},
    // ${env('X')}, ${env.X} from a .env beside the file, ${this.props.x},
    // ${resources.NAME.props.x} and ${config('AccountID')}.
    void resolvesTheFc3TemplateVariables()
    {
        qputenv("FCEMU_TEST_GREETER", "alice");
        qputenv("ALIBABA_CLOUD_ACCOUNT_ID", "1111222233334444");
        write(u".env"_qs, "# what `s` loads beside s.yaml\nexport STAGE=dev\nIMAGE_TAG='v1.2'\n"
                          "FCEMU_TEST_GREETER=from-dotenv\n");
        const QString file = write(
            u"s.yaml"_qs,
            "edition: 3.0.0\n"
            "name: hello-world-app\n"
            "access: default\n"
            "vars:\n"
            "  region: cn-hangzhou\n"
            "  functionName: start-custom-container\n"
            "  memory: 1024\n"
            "resources:\n"
            "  helper:\n"
            "    component: fc3\n"
            "    props:\n"
            "      region: ${vars.region}\n"
            "      functionName: helper-${env.STAGE}\n"
            "      runtime: custom-container\n"
            "      timeout: 30\n"
            "      customContainerConfig:\n"
            "        image: registry.${vars.region}.aliyuncs.com/demo/helper:${env('IMAGE_TAG')}\n"
            "  fcDemo:\n"
            "    component: fc3\n"
            "    props:\n"
            "      region: ${vars.region}\n"
            "      functionName: ${vars.functionName}\n"
            "      description: ${this.props.functionName} in ${this.props.region}\n"
            "      runtime: custom-container\n"
            "      memorySize: ${vars.memory}\n"
            "      timeout: ${resources.helper.props.timeout}\n"
            "      customContainerConfig:\n"
            "        image: registry.${vars.region}.aliyuncs.com/demo/app:${env('IMAGE_TAG')}\n"
            "        port: 9000\n"
            "      environmentVariables:\n"
            "        GREETING: ${env('FCEMU_TEST_GREETER')}\n"
            "        ACCOUNT: ${config('AccountID')}\n"
            "        HELPER: ${resources.helper.props.functionName}\n"
            "        DESCRIPTION: ${this.props.description}\n");
        const FunctionConfig c = load(file, u"start-custom-container"_qs);
        QCOMPARE(c.name, u"start-custom-container"_qs);
        QCOMPARE(c.region, u"cn-hangzhou"_qs);
        QCOMPARE(c.memoryMB, 1024); // a whole-value reference keeps the number
        QCOMPARE(c.timeoutS, 30);
        // The environment wins over .env, as dotenv does not override.
        QCOMPARE(c.envValue(u"GREETING"_qs), u"alice"_qs);
        QCOMPARE(c.envValue(u"ACCOUNT"_qs), u"1111222233334444"_qs);
        QCOMPARE(c.envValue(u"HELPER"_qs), u"helper-dev"_qs);
        QCOMPARE(c.envValue(u"DESCRIPTION"_qs), u"start-custom-container in cn-hangzhou"_qs);
        const FunctionConfig helper = load(file, u"helper-dev"_qs);
        QCOMPARE(helper.name, u"helper-dev"_qs);
        qunsetenv("FCEMU_TEST_GREETER");
        // Without the environment's value, the .env beside the file gives it.
        QCOMPARE(load(file, u"start-custom-container"_qs).envValue(u"GREETING"_qs),
                 u"from-dotenv"_qs);
        qunsetenv("ALIBABA_CLOUD_ACCOUNT_ID");
        const auto noAccount = loadConfigFile(file);
        QVERIFY(!noAccount);
        QVERIFY2(noAccount.error().message.contains(u"'${config('AccountID')}' is undefined"_qs),
                 qPrintable(noAccount.error().message));
    }

    // The fc (2.0) component's custom-container example (devsapp/fc
    // examples/custom-container-function/s.yaml, fc-semantics §8.5) with its vars.
    void resolvesTheFcTemplateVariables()
    {
        const QString file = write(
            u"fc.yaml"_qs,
            "edition: 1.0.0\n"
            "name: container-demo\n"
            "access: default\n"
            "vars:\n"
            "  region: cn-shanghai\n"
            "  service:\n"
            "    name: custom-container-demo\n"
            "services:\n"
            "  customContainer:\n"
            "    component: devsapp/fc\n"
            "    props:\n"
            "      region: ${vars.region}\n"
            "      service: ${vars.service}\n"
            "      function:\n"
            "        name: custom-container-function\n"
            "        runtime: custom-container\n"
            "        caPort: 8080\n"
            "        timeout: 60\n"
            "        customContainerConfig:\n"
            "          image: registry.${vars.region}.aliyuncs.com/fc-demo/custom-container:v1\n"
            "          command: '[\"node\"]'\n"
            "          args: '[\"server.js\"]'\n"
            "        environmentVariables:\n"
            "          SERVICE: ${this.props.service.name}\n");
        const FunctionConfig c = load(file, {});
        QCOMPARE(c.region, u"cn-shanghai"_qs);
        QCOMPARE(c.serviceName, u"custom-container-demo"_qs);
        QCOMPARE(c.envValue(u"SERVICE"_qs), u"custom-container-demo"_qs);
        QCOMPARE(c.args, QStringList{u"server.js"_qs});
    }

    void loadsServerlessDevsFc3()
    {
        const FunctionConfig c = load(dataFile("fc3-s.yaml"));
        QCOMPARE(c.name, u"my-func"_qs); // the nodejs18 api is skipped
        QCOMPARE(c.region, u"cn-hangzhou"_qs);
        QCOMPARE(c.handler, u"index.handler"_qs);
        QCOMPARE(c.timeoutS, 30);
        QCOMPARE(c.memoryMB, 1024);
        QCOMPARE(c.cpu, std::optional<double>(0.5));
        QCOMPARE(c.diskSizeMB, 10240);
        QCOMPARE(c.instanceConcurrency, 4);
        QCOMPARE(c.command, QStringList{u"node"_qs});              // FC3 entrypoint
        QCOMPARE(c.args, QStringList{u"/home/code/server.js"_qs}); // FC3 command
        QCOMPARE(c.caPort, 9001);
        QCOMPARE(c.initializer, (LifecycleHook{u"index.initializer"_qs, 60}));
        QCOMPARE(c.preStop, (LifecycleHook{u"index.preStop"_qs, 3}));
        QVERIFY(!c.preFreeze.isSet());
        QCOMPARE(c.env, envOf({{"TZ", "Asia/Shanghai"},
                               {"LD_LIBRARY_PATH", "/code:/code/lib:/usr/local/lib"}}));
        QCOMPARE(c.billing, BillingModel::Fc3);
        QCOMPARE(c.serviceName, FunctionConfig().serviceName);
        QVERIFY(validate(c).isEmpty());
    }

    void loadsFc3ByResourceKey()
    {
        const FunctionConfig c = load(dataFile("fc3-s.yaml"), u"worker"_qs);
        QCOMPARE(c.name, u"queue-worker"_qs);
        QCOMPARE(c.command, (QStringList{u"python3"_qs, u"-u"_qs}));
        QCOMPARE(c.args, QStringList{u"worker.py"_qs});
        QCOMPARE(c.caPort, 8000);
        QCOMPARE(c.instanceType, InstanceType::Gpu);
        QCOMPARE(c.provisioned, 2);
    }

    void loadsFuncraftTemplate()
    {
        const FunctionConfig c = load(dataFile("template.yml"));
        QCOMPARE(c.name, u"nodejs-express"_qs); // the python3 function is skipped
        QCOMPARE(c.serviceName, u"demo-service"_qs);
        QCOMPARE(c.region, FunctionConfig().region);
        QCOMPARE(c.handler, u"not-used"_qs);
        QCOMPARE(c.timeoutS, 60);
        QCOMPARE(c.caPort, 9000);
        QCOMPARE(c.memoryMB, 2048);
        QCOMPARE(c.instanceConcurrency, 20);
        QCOMPARE(c.env, envOf({{"GREETING", "hello"}, {"RETRIES", "3"}}));
        QCOMPARE(c.initializer, (LifecycleHook{u"index.init"_qs, 30}));
        QCOMPARE(c.command, QStringList{u"node"_qs});
        QCOMPARE(c.args, QStringList{u"server.js"_qs});
        QCOMPARE(c.preFreeze, (LifecycleHook{u"index.preFreeze"_qs, 10}));
        QCOMPARE(c.preStop, (LifecycleHook{u"index.preStop"_qs, 20}));
        QVERIFY(validate(c).isEmpty());
    }

    void loadsPlainJson()
    {
        const FunctionConfig c = load(dataFile("function.json"));
        QCOMPARE(c.name, u"image-resizer"_qs);
        QCOMPARE(c.serviceName, u"media"_qs);
        QCOMPARE(c.region, u"ap-southeast-1"_qs);
        QCOMPARE(c.memoryMB, 3072);
        QCOMPARE(c.cpu, std::optional<double>(2.0));
        QCOMPARE(c.timeoutS, 120);
        QCOMPARE(c.caPort, 8000);
        QCOMPARE(c.command, QStringList{u"/app/server"_qs});
        QCOMPARE(c.args, (QStringList{u"--workers"_qs, u"4"_qs}));
        QCOMPARE(c.env, envOf({{"LOG_LEVEL", "debug"},
                               {"BUCKET", "my-bucket"},
                               {"API_URL", "http://localhost:8000"}}));
        QCOMPARE(c.initializer, (LifecycleHook{u"warmup"_qs, 10}));
        QVERIFY(!c.preFreeze.isSet());
        QCOMPARE(c.preStop, (LifecycleHook{u"flush"_qs, 15}));
        QCOMPARE(c.instanceConcurrency, 8);
        QCOMPARE(c.maxInstances, 4);
        QCOMPARE(c.provisioned, 1);
        QCOMPARE(c.idleTimeoutS, 300);
        QCOMPARE(c.diskSizeMB, 10240);
        QCOMPARE(c.startupTimeoutS, 60);
        QCOMPARE(c.pullBandwidthMBps, std::optional<double>(25.5));
        QCOMPARE(c.billing, BillingModel::Fc3);
        QVERIFY(validate(c).isEmpty());
    }

    void plainJsonWrittenByToJsonLoadsBack()
    {
        FunctionConfig original;
        original.name = u"round_trip"_qs;
        original.memoryMB = 2048;
        original.env = {{u"B"_qs, u"2"_qs}, {u"A"_qs, u"1"_qs}};
        original.preStop = {u"stop"_qs, 30};
        const QString path =
            write(u"written.json"_qs, QByteArray::fromStdString(toJson(original).dump(2)));
        const auto loaded = loadConfigFile(path);
        QVERIFY2(loaded.has_value(), loaded ? "" : qPrintable(loaded.error().message));
        QVERIFY(*loaded == original);
    }

    void listsCustomContainerFunctions()
    {
        QCOMPARE(listConfigFunctions(dataFile("fc-s.yaml")).value_or(QStringList()),
                 (QStringList{u"custom-container-function"_qs, u"batch-job"_qs}));
        QCOMPARE(listConfigFunctions(dataFile("fc3-s.yaml")).value_or(QStringList()),
                 (QStringList{u"my-func"_qs, u"queue-worker"_qs}));
        QCOMPARE(listConfigFunctions(dataFile("template.yml")).value_or(QStringList()),
                 QStringList{u"nodejs-express"_qs});
    }

    void loadsFuncraftFunctionOutsideAService()
    {
        const auto c = loadConfigFile(write(
            u"top.yml"_qs, "ROSTemplateFormatVersion: '2015-09-01'\n"
                           "Transform: 'Aliyun::Serverless-2018-04-03'\n"
                           "Resources:\n"
                           "  MyFunction:\n"
                           "    Type: 'Aliyun::Serverless::Function'\n"
                           "    Properties:\n"
                           "      Runtime: custom-container\n"
                           "      CAPort: 9000\n"
                           "      CustomContainerConfig:\n"
                           "        Image: 'registry-vpc.cn-shenzhen.aliyuncs.com/demo/app:v1'\n"
                           "        Command: '[\"/app\"]'\n"
                           "        WebServerMode: false\n"));
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->name, u"MyFunction"_qs);
        QCOMPARE(c->serviceName, FunctionConfig().serviceName);
        QCOMPARE(c->command, QStringList{u"/app"_qs});
        QVERIFY(!c->webServerMode);
    }

    void fcServiceMayBeJustAName()
    {
        const auto c = loadConfigFile(write(u"svc.yaml"_qs, "edition: 1.0.0\n"
                                                            "services:\n"
                                                            "  app:\n"
                                                            "    component: fc\n"
                                                            "    props:\n"
                                                            "      region: cn-beijing\n"
                                                            "      service: plain-name\n"
                                                            "      function:\n"
                                                            "        name: f\n"
                                                            "        runtime: custom-container\n"
                                                            "        customContainerConfig:\n"
                                                            "          command: [python3]\n"
                                                            "          args: [main.py]\n"));
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->serviceName, u"plain-name"_qs);
        QCOMPARE(c->region, u"cn-beijing"_qs);
        // YAML lists work where the fc component documents JSON strings.
        QCOMPARE(c->command, QStringList{u"python3"_qs});
        QCOMPARE(c->args, QStringList{u"main.py"_qs});
    }

    // FC3's internetAccess (default true) on the function; FC2's on the service.
    void internetAccessIsRead()
    {
        QVERIFY(FunctionConfig{}.internetAccess);
        const auto fc3 = loadConfigFile(write(u"net3.yaml"_qs, "edition: 3.0.0\n"
                                                               "resources:\n"
                                                               "  demo:\n"
                                                               "    component: fc3\n"
                                                               "    props:\n"
                                                               "      runtime: custom-container\n"
                                                               "      internetAccess: false\n"));
        QVERIFY2(fc3.has_value(), fc3 ? "" : qPrintable(fc3.error().message));
        QVERIFY(!fc3->internetAccess);
        const auto fc2 =
            loadConfigFile(write(u"net2.yaml"_qs, "edition: 1.0.0\n"
                                                  "services:\n"
                                                  "  app:\n"
                                                  "    component: fc\n"
                                                  "    props:\n"
                                                  "      service:\n"
                                                  "        name: s\n"
                                                  "        internetAccess: false\n"
                                                  "      function:\n"
                                                  "        name: f\n"
                                                  "        runtime: custom-container\n"));
        QVERIFY2(fc2.has_value(), fc2 ? "" : qPrintable(fc2.error().message));
        QVERIFY(!fc2->internetAccess);
        const auto bad =
            loadConfigFile(write(u"net-bad.yaml"_qs, "edition: 3.0.0\n"
                                                     "resources:\n"
                                                     "  demo:\n"
                                                     "    component: fc3\n"
                                                     "    props:\n"
                                                     "      runtime: custom-container\n"
                                                     "      internetAccess: maybe\n"));
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.contains(u"internetAccess"_qs),
                 qPrintable(bad.error().message));
    }

    void componentsOtherThanFcAreSkipped()
    {
        const auto c = loadConfigFile(write(u"mixed.yaml"_qs, "edition: 3.0.0\n"
                                                              "resources:\n"
                                                              "  domain:\n"
                                                              "    component: fc3-domain\n"
                                                              "    props: {domainName: auto}\n"
                                                              "  site:\n"
                                                              "    component: devsapp/fc3@dev\n"
                                                              "    props:\n"
                                                              "      functionName: site\n"
                                                              "      runtime: custom-container\n"));
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->name, u"site"_qs);
    }

    void yamlDetails_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<int>("memory");
        QTest::addColumn<QString>("envValue"); // value of env X
        QTest::addRow("a quoted number is accepted where a number is expected")
            << QByteArray("functionName: f\nmemorySize: '1024'\nenvironmentVariables: {X: a}\n")
            << 1024 << u"a"_qs;
        QTest::addRow("a quoted env value stays text")
            << QByteArray("environmentVariables:\n  X: '0123'\n") << 512 << u"0123"_qs;
        QTest::addRow("a plain number env value keeps its spelling")
            << QByteArray("environmentVariables:\n  X: 8080\n") << 512 << u"8080"_qs;
        QTest::addRow("an empty env value is an empty string")
            << QByteArray("environmentVariables:\n  X:\n") << 512 << u""_qs;
        QTest::addRow("merge keys bring in anchored values, explicit keys win")
            << QByteArray("base: &base\n  memorySize: 2048\n  timeout: 9\n"
                          "<<: *base\nmemorySize: 4096\nenvironmentVariables: {X: m}\n")
            << 4096 << u"m"_qs;
        QTest::addRow("a variable in an env value stays literal")
            << QByteArray("environmentVariables:\n  X: ${env(HOME)}\n") << 512
            << u"${env(HOME)}"_qs;
    }
    void yamlDetails()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(int, memory);
        QFETCH(QString, envValue);
        const auto c = loadConfigFile(write(u"details.yaml"_qs, yaml));
        QVERIFY2(c.has_value(), c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->memoryMB, memory);
        QCOMPARE(c->envValue(u"X"_qs), envValue);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("function");
        QTest::addColumn<QString>("expected"); // after "<dir>/"

        const QByteArray fc3Head = "edition: 3.0.0\nresources:\n  demo:\n    component: fc3\n"
                                   "    props:\n      runtime: custom-container\n";
        QTest::addRow("malformed YAML names the file and line")
            << u"bad.yaml"_qs << QByteArray("edition: 3.0.0\nresources:\n  demo: [1,\n  x: 2\n")
            << QString() << u"bad.yaml:5: invalid YAML: end of sequence flow not found"_qs;
        QTest::addRow("a tab where YAML wants spaces names the line")
            << u"tab.yaml"_qs << QByteArray("a: 1\n b: 2\n") << QString()
            << u"tab.yaml:2: invalid YAML"_qs;
        QTest::addRow("malformed JSON names the file and line")
            << u"bad.json"_qs << QByteArray("{\n  \"memorySize\": 512,\n  oops\n}\n") << QString()
            << u"bad.json:3: invalid JSON"_qs;
        QTest::addRow("a JSON number too large for a double is refused, not fatal")
            << u"huge.json"_qs << QByteArray("{\"memorySize\": 1e999}") << QString()
            << u"huge.json: invalid JSON: number overflow parsing '1e999'"_qs;
        QTest::addRow("a nested overflowing JSON number is refused too")
            << u"nested.json"_qs
            << QByteArray("{\"environmentVariables\": {\"A\": \"1\"}, \"timeout\": -1e400}")
            << QString() << u"nested.json: invalid JSON: number overflow parsing '-1e400'"_qs;
        QTest::addRow("a wrong type names the key path and its line")
            << u"type.yaml"_qs << fc3Head + "      memorySize: lots\n"
            << QString()
            << u"type.yaml:7: resources.demo.props.memorySize: expected a whole number, got 'lots'"_qs;
        QTest::addRow("a block of the wrong type names the key")
            << u"block.yaml"_qs << fc3Head + "      customContainerConfig: nginx\n"
            << QString()
            << u"block.yaml:7: resources.demo.props.customContainerConfig: expected a mapping, got 'nginx'"_qs;
        QTest::addRow("an fc command that is not a JSON array is refused")
            << u"cmd.yaml"_qs
            << QByteArray("edition: 1.0.0\nservices:\n  s:\n    component: fc\n    props:\n"
                          "      function:\n        runtime: custom-container\n"
                          "        customContainerConfig:\n          command: node server.js\n")
            << QString()
            << u"cmd.yaml:9: services.s.props.function.customContainerConfig.command: expected a JSON array"_qs;
        QTest::addRow("an undefined Serverless Devs variable is named with its line")
            << u"var.yaml"_qs << fc3Head + "      timeout: ${vars.timeout}\n"
            << QString()
            << u"var.yaml:7: resources.demo.props.timeout: '${vars.timeout}' is undefined: the file has no top-level vars"_qs;
        QTest::addRow("a variable vars does not define is named")
            << u"var2.yaml"_qs
            << "vars:\n  region: cn-hangzhou\n" + fc3Head + "      functionName: ${vars.name}\n"
            << QString()
            << u"var2.yaml:9: resources.demo.props.functionName: '${vars.name}' is undefined: vars has no 'name'"_qs;
        QTest::addRow("a resource's output is known only after s deploy")
            << u"out.yaml"_qs
            << fc3Head + "      functionName: ${resources.demo.output.functionName}\n"
            << QString()
            << u"out.yaml:7: resources.demo.props.functionName: '${resources.demo.output.functionName}' is undefined: a resource's output is known only after `s deploy`"_qs;
        QTest::addRow("an unset environment variable is named")
            << u"envvar.yaml"_qs
            << fc3Head + "      functionName: fn-${env('FCEMU_TEST_SURELY_UNSET')}\n"
            << QString()
            << u"envvar.yaml:7: resources.demo.props.functionName: '${env('FCEMU_TEST_SURELY_UNSET')}' is undefined: the environment has no FCEMU_TEST_SURELY_UNSET"_qs;
        QTest::addRow("an env variable holding a list names the variable")
            << u"env.yaml"_qs << fc3Head + "      environmentVariables:\n        A: [1, 2]\n"
            << QString()
            << u"env.yaml:8: resources.demo.props.environmentVariables.A: expected text, got a list"_qs;
        QTest::addRow("a file without a custom container says where it looked")
            << u"none.yaml"_qs
            << QByteArray("edition: 3.0.0\nresources:\n  api:\n    component: fc3\n    props:\n"
                          "      functionName: api\n      runtime: nodejs18\n")
            << QString()
            << u"none.yaml: no custom-container function found in this Serverless Devs s.yaml (component fc3)"_qs;
        QTest::addRow("a missing named function lists the ones there are")
            << u"named.yaml"_qs << fc3Head + "      functionName: real\n"
            << u"ghost"_qs
            << u"named.yaml: no custom-container function named 'ghost'; the file defines real"_qs;
        QTest::addRow("a named function missing from plain JSON is refused")
            << u"named.json"_qs << QByteArray("{\"functionName\": \"real\"}") << u"ghost"_qs
            << u"named.json: no custom-container function named 'ghost'"_qs;
        QTest::addRow("an fc3 resource without props is refused")
            << u"props.yaml"_qs
            << QByteArray("edition: 3.0.0\nresources:\n  d:\n    component: fc3\n") << QString()
            << u"props.yaml: resources.d.props: missing"_qs;
        QTest::addRow("an empty file is refused")
            << u"empty.yaml"_qs << QByteArray("\n  \n") << QString()
            << u"empty.yaml: the configuration file is empty"_qs;
        QTest::addRow("a top-level list is refused")
            << u"list.yaml"_qs << QByteArray("- a\n- b\n") << QString()
            << u"list.yaml: expected a mapping of keys at the top level, got a list"_qs;
        QTest::addRow("an alias bomb is refused, not expanded")
            << u"bomb.yaml"_qs
            << QByteArray("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                          "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                          "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                          "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                          "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n")
            << QString() << u"bomb.yaml: the YAML expands to too many nodes"_qs;
        QTest::addRow("deep nesting is refused")
            << u"deep.yaml"_qs << QByteArray("a: ") + QByteArray(300, '[') + QByteArray(300, ']')
            << QString() << u"deep.yaml:1: the YAML is nested more than 200 levels deep"_qs;
        QTest::addRow("a mapping used as a key is refused with its line")
            << u"key.yaml"_qs << QByteArray("a: 1\nc:\n  ? [1, 2]\n  : x\n") << QString()
            << u"key.yaml:3: c: keys must be plain text"_qs;
    }
    void errors()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(QString, function);
        QFETCH(QString, expected);
        const QString path = write(name, content);
        const auto c = loadConfigFile(path, function);
        QVERIFY(!c.has_value());
        QCOMPARE(c.error().kind, ErrorKind::Usage);
        const QString message = c.error().message;
        QVERIFY2(!message.contains(u'\n'), qPrintable(message));
        QVERIFY2(message.startsWith(m_dir.path() + u'/' + expected), qPrintable(message));
    }

    void missingFileIsAUsageError()
    {
        const QString path = m_dir.filePath(u"does-not-exist.yaml"_qs);
        const auto c = loadConfigFile(path);
        QVERIFY(!c.has_value());
        QCOMPARE(c.error().kind, ErrorKind::Usage);
        QVERIFY2(c.error().message.startsWith(path + u": cannot read the configuration file"_qs),
                 qPrintable(c.error().message));
    }
};

QTEST_APPLESS_MAIN(TestConfigFile)
#include "TestConfigFile.moc"
