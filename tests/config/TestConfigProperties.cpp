#include <QFile>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include "ConfigTestPrinters.h"
#include "config/ConfigFile.h"
#include "config/Environment.h"
#include "config/Options.h"
#include "config/Validation.h"

using namespace Fcemu;
using namespace Fcemu::Config;

namespace {

QString dataFile(const char *name)
{
    return QStringLiteral(FCEMU_CONFIG_TEST_DATA) + u'/' + QString::fromUtf8(name);
}

bool hasLine(const QStringList &lines, const QString &start)
{
    for (const QString &line : lines) {
        if (line.startsWith(start))
            return true;
    }
    return false;
}

} // namespace

// What fcemu does with every property of a config file (applied, or reported as ignored by
// name), HTTP triggers, and --account-id / --region.
class TestConfigProperties final : public QObject
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

    void serverlessDevsFc3TemplateLoadsWithNothingIgnored()
    {
        const FunctionConfig c = load(dataFile("templates/fc3-custom-container-nodejs.s.yaml"));
        QCOMPARE(c.name, u"start-nodejs-demo"_qs);
        QCOMPARE(c.region, u"cn-hangzhou"_qs);
        QCOMPARE(c.timeoutS, 30);
        QCOMPARE(c.memoryMB, 512);
        QCOMPARE(c.cpu, std::optional<double>(0.5));
        QCOMPARE(c.diskSizeMB, 512);
        QCOMPARE(c.billing, BillingModel::Fc3);
        // description, code and the image change nothing a function sees locally.
        QCOMPARE(c.ignoredProperties, QStringList());
        QCOMPARE(c.httpTrigger, HttpTrigger()); // its trigger is commented out
        QVERIFY(validate(c).isEmpty());
    }

    void serverlessDevsFcTemplateAppliesTheTriggerAndNamesWhatIsIgnored()
    {
        const FunctionConfig c =
            load(dataFile("templates/fc-custom-container-http-springboot.s.yaml"));
        QCOMPARE(c.name, u"springboot-http-function"_qs);
        QCOMPARE(c.serviceName, u"hello-world-service"_qs);
        QCOMPARE(c.caPort, 9000);
        QCOMPARE(c.memoryMB, 256);
        QCOMPARE(c.timeoutS, 60);
        QCOMPARE(c.initializer, (LifecycleHook{u"not-used"_qs, 30}));
        QCOMPARE(c.httpTrigger.methods, (QStringList{u"GET"_qs, u"POST"_qs}));
        QVERIFY(!c.httpTrigger.authFunction);
        QCOMPARE(c.ignoredProperties,
                 QStringList{u"services.helloworld.props.customDomains: ignored by fcemu (fcemu "
                             u"serves on --listen, not on custom domains)"_qs});
    }

    void fc3PropertiesThatChangeBehaviourAreReportedByName()
    {
        const FunctionConfig c = load(dataFile("fc3-s.yaml"));
        const QStringList &ignored = c.ignoredProperties;
        QVERIFY2(hasLine(ignored,
                         u"resources.fcDemo.props.customContainerConfig.healthCheckConfig: "
                         u"ignored by fcemu ("_qs),
                 qPrintable(ignored.join(u'\n')));
        QVERIFY(hasLine(ignored, u"resources.fcDemo.props.vpcConfig: ignored by fcemu (no VPC"_qs));
        QVERIFY(
            hasLine(ignored, u"resources.fcDemo.props.logConfig: ignored by fcemu (logs go"_qs));
        // Applied and no-effect properties are not listed.
        QVERIFY(!hasLine(ignored, u"resources.fcDemo.props.memorySize"_qs));
        QVERIFY(!hasLine(ignored, u"resources.fcDemo.props.description"_qs));
    }

    void unknownAndNonHttpTriggerPropertiesAreReported()
    {
        const QString file =
            write(u"s.yaml"_qs, "edition: 3.0.0\n"
                                "resources:\n"
                                "  fn:\n"
                                "    component: fc3\n"
                                "    props:\n"
                                "      functionName: fn\n"
                                "      runtime: custom-container\n"
                                "      customContainerConfig: {image: x, port: 9000}\n"
                                "      memorySise: 1024\n"
                                "      nasConfig: auto\n"
                                "      triggers:\n"
                                "        - triggerName: t\n"
                                "          triggerType: timer\n"
                                "          triggerConfig: {cronExpression: x}\n"
                                "        - triggerName: web\n"
                                "          triggerType: http\n"
                                "          triggerConfig:\n"
                                "            methods: [get, post]\n"
                                "            disableURLInternet: false\n");
        const FunctionConfig c = load(file);
        QCOMPARE(c.ignoredProperties,
                 (QStringList{
                     u"resources.fn.props.triggers[0]: ignored by fcemu (a timer trigger; fcemu "
                     u"runs the HTTP trigger and InvokeFunction only)"_qs,
                     u"resources.fn.props.triggers[1].triggerConfig.disableURLInternet: ignored by "
                     u"fcemu (fcemu applies a trigger's methods and authType only; JWT, CORS and "
                     u"domain settings are not emulated)"_qs,
                     u"resources.fn.props.memorySise: ignored by fcemu (not an fc3 property fcemu "
                     u"knows)"_qs,
                     u"resources.fn.props.nasConfig: ignored by fcemu (pass --nas-root DIR to map "
                     u"it to a local folder)"_qs}));
        QCOMPARE(c.httpTrigger.methods, (QStringList{u"GET"_qs, u"POST"_qs}));
        QVERIFY(c.httpTrigger.authFunction); // FC's API default when authType is not given
    }

    void funcraftEventsAndServicePropertiesAreRead()
    {
        const QString file = write(u"template.yml"_qs,
                                   "ROSTemplateFormatVersion: '2015-09-01'\n"
                                   "Transform: 'Aliyun::Serverless-2018-04-03'\n"
                                   "Resources:\n"
                                   "  svc:\n"
                                   "    Type: 'Aliyun::Serverless::Service'\n"
                                   "    Properties:\n"
                                   "      InternetAccess: false\n"
                                   "      VpcConfig: {VpcId: v}\n"
                                   "    web:\n"
                                   "      Type: 'Aliyun::Serverless::Function'\n"
                                   "      Properties:\n"
                                   "        Runtime: custom-container\n"
                                   "        CAPort: 8080\n"
                                   "      Events:\n"
                                   "        http:\n"
                                   "          Type: HTTP\n"
                                   "          Properties: {AuthType: FUNCTION, Methods: [PUT]}\n");
        const FunctionConfig c = load(file);
        QVERIFY(!c.internetAccess);
        QCOMPARE(c.httpTrigger.methods, QStringList{u"PUT"_qs});
        QVERIFY(c.httpTrigger.authFunction);
        QCOMPARE(c.ignoredProperties,
                 QStringList{u"Resources.svc.Properties.VpcConfig: ignored by fcemu (no VPC "
                             u"locally: the function reaches what this machine reaches "
                             u"(--internet-access))"_qs});
    }

    void badTriggerSettingsAreErrors_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<QString>("message");
        QTest::addRow("a method FC does not take")
            << QByteArray("methods: [GET, FETCH]") << u"'FETCH' is not an HTTP method"_qs;
        QTest::addRow("an authType FC does not have")
            << QByteArray("authType: jwt-ish") << u"must be anonymous or function"_qs;
    }
    void badTriggerSettingsAreErrors()
    {
        QFETCH(QByteArray, config);
        QFETCH(QString, message);
        const QString file =
            write(u"bad.yaml"_qs, "edition: 3.0.0\nresources:\n  fn:\n    component: fc3\n"
                                  "    props:\n      functionName: fn\n"
                                  "      customContainerConfig: {image: x}\n"
                                  "      triggers:\n        - triggerType: http\n"
                                  "          triggerConfig: {" +
                                      config + "}\n");
        const auto c = loadConfigFile(file);
        QVERIFY(!c);
        QVERIFY2(c.error().message.contains(message), qPrintable(c.error().message));
        QVERIFY(c.error().message.contains(u"resources.fn.props.triggers[0].triggerConfig"_qs));
    }

    void accountIdAndRegionFlags()
    {
        const QString file =
            write(u"acct.yaml"_qs, "edition: 3.0.0\nresources:\n  fn:\n    component: fc3\n"
                                   "    props:\n      region: cn-beijing\n"
                                   "      functionName: fn\n"
                                   "      customContainerConfig: {image: x}\n"
                                   "      environmentVariables:\n"
                                   "        OWNER: ${config('AccountID')}\n");
        auto c = resolveFunctionConfig({{u"--config"_qs, file},
                                        {u"--account-id"_qs, u"5555666677778888"_qs},
                                        {u"--region"_qs, u"ap-southeast-1"_qs}});
        QVERIFY2(c, c ? "" : qPrintable(c.error().message));
        QCOMPARE(c->accountId, u"5555666677778888"_qs);
        QCOMPARE(c->region, u"ap-southeast-1"_qs); // flags win over the file
        QCOMPARE(c->envValue(u"OWNER"_qs), u"5555666677778888"_qs);
        QProcessEnvironment host;
        host.insert(u"ALIBABA_CLOUD_ACCOUNT_ID"_qs, u"1111111111111111"_qs);
        const QStringList env = buildEnvironment(*c, {}, u"c-1"_qs, host);
        QVERIFY(env.contains(u"FC_ACCOUNT_ID=5555666677778888"_qs));
        QVERIFY(env.contains(u"FC_REGION=ap-southeast-1"_qs));

        // Without --account-id the host's ALIBABA_CLOUD_ACCOUNT_ID is still used.
        FunctionConfig plain;
        QVERIFY(buildEnvironment(plain, {}, u"c-1"_qs, host)
                    .contains(u"FC_ACCOUNT_ID=1111111111111111"_qs));
    }

    void badAccountIdOrRegionIsAUsageError()
    {
        auto badAccount = resolveFunctionConfig({{u"--account-id"_qs, u"12ab"_qs}});
        QVERIFY(!badAccount);
        QCOMPARE(badAccount.error().kind, ErrorKind::Usage);
        QVERIFY(badAccount.error().message.contains(u"--account-id"_qs));
        auto badRegion = resolveFunctionConfig({{u"--region"_qs, u"CN Hangzhou"_qs}});
        QVERIFY(!badRegion);
        QVERIFY(badRegion.error().message.contains(u"--region"_qs));
    }
};

QTEST_APPLESS_MAIN(TestConfigProperties)
#include "TestConfigProperties.moc"
