#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "ConfigTestPrinters.h"
#include "config/ConfigExport.h"
#include "config/ConfigFile.h"
#include "config/Options.h"

using namespace Fcemu;
using namespace Fcemu::Config;

Q_DECLARE_METATYPE(Fcemu::Config::ExportFormat)

namespace {

// A value other than the default for every FUNCTION OPTION that takes one.
QList<OptionValue> everyOption()
{
    return {
        {u"--name"_qs, u"export-me"_qs},
        {u"--memory"_qs, u"2048"_qs},
        {u"--cpu"_qs, u"1.5"_qs},
        {u"--timeout"_qs, u"45"_qs},
        {u"--port"_qs, u"8080"_qs},
        {u"--command"_qs, u"[\"node\"]"_qs},
        {u"--args"_qs, u"[\"server.js\", \"--port=8080\"]"_qs},
        {u"--env"_qs, u"PORT=8080"_qs},
        {u"--env"_qs, u"DEBUG=true"_qs},
        {u"--env"_qs, u"EMPTY="_qs},
        {u"--initializer"_qs, u"index.init"_qs},
        {u"--initialization-timeout"_qs, u"20"_qs},
        {u"--pre-freeze"_qs, u"index.freeze"_qs},
        {u"--pre-stop"_qs, u"index.stop"_qs},
        {u"--concurrency"_qs, u"8"_qs},
        {u"--max-instances"_qs, u"3"_qs},
        {u"--provisioned"_qs, u"1"_qs},
        {u"--idle-timeout"_qs, u"60"_qs},
        {u"--disk-size"_qs, u"10240"_qs},
        {u"--startup-timeout"_qs, u"30"_qs},
        {u"--pull-bandwidth"_qs, u"12.5"_qs},
        {u"--billing"_qs, u"fc3"_qs},
        {u"--seccomp"_qs, u"unconfined"_qs},
        {u"--internet-access"_qs, u"false"_qs},
        {u"--insecure-registry"_qs, {}},
        {u"--registry-edition"_qs, u"advanced"_qs},
        {u"--account-id"_qs, u"5555666677778888"_qs},
        {u"--region"_qs, u"cn-shanghai"_qs},
    };
}

} // namespace

// `fcemu config export`: what is exported and read back is the same configuration.
class TestConfigExport final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    FunctionConfig roundTrip(const FunctionConfig &config, ExportFormat format,
                             QByteArray *text = nullptr)
    {
        auto exported =
            exportConfig(config, format, u"registry.cn-shanghai.aliyuncs.com/ns/app:v1"_qs);
        if (!exported) {
            qWarning("%s", qPrintable(exported.error().message));
            return {};
        }
        if (text)
            *text = *exported;
        const QString path = m_dir.filePath(u"exported.yaml"_qs);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        file.write(*exported);
        file.close();
        auto loaded = loadConfigFile(path);
        if (!loaded) {
            qWarning("%s\n%s", qPrintable(loaded.error().message), exported->constData());
            return {};
        }
        return *loaded;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void formats_data()
    {
        QTest::addColumn<ExportFormat>("format");
        QTest::addRow("fc3 s.yaml") << ExportFormat::Fc3;
        QTest::addRow("fc s.yaml") << ExportFormat::Fc;
        QTest::addRow("Funcraft template.yml") << ExportFormat::Funcraft;
    }

    void everyOptionRoundTrips_data() { formats_data(); }
    void everyOptionRoundTrips()
    {
        QFETCH(ExportFormat, format);
        auto config = resolveFunctionConfig(everyOption());
        QVERIFY2(config, config ? "" : qPrintable(config.error().message));
        config->httpTrigger = HttpTrigger{{u"GET"_qs, u"POST"_qs}, true};
        QByteArray text;
        const FunctionConfig back = roundTrip(*config, format, &text);
        QVERIFY2(back == *config, text.constData());
        QCOMPARE(back.ignoredProperties, QStringList()); // nothing in the export is ignored
        QVERIFY(text.contains("registry.cn-shanghai.aliyuncs.com/ns/app:v1"));
    }

    void defaultsRoundTrip_data() { formats_data(); }
    void defaultsRoundTrip()
    {
        QFETCH(ExportFormat, format);
        QByteArray text;
        QVERIFY2(roundTrip(FunctionConfig(), format, &text) == FunctionConfig(), text.constData());
    }

    void jobModeAndGpuRoundTrip_data() { formats_data(); }
    void jobModeAndGpuRoundTrip()
    {
        QFETCH(ExportFormat, format);
        FunctionConfig config;
        config.webServerMode = false;
        config.instanceType = InstanceType::Gpu;
        config.memoryMB = 8192;
        QByteArray text;
        FunctionConfig back = roundTrip(config, format, &text);
        back.ignoredProperties.clear(); // "a GPU instance gets no GPU locally"
        QVERIFY2(back == config, text.constData());
    }

    void whatEachFormatSays()
    {
        auto config = resolveFunctionConfig(everyOption());
        QVERIFY(config);
        const QByteArray fc3 = *exportConfig(*config, ExportFormat::Fc3, u"img"_qs);
        QVERIFY(fc3.contains("component: \"fc3\""));
        QVERIFY(fc3.contains("entrypoint:"));
        QVERIFY(fc3.contains("maxInstances: 3")); // fcemu's own block, under vars.fcemu
        QVERIFY(fc3.contains("vars:"));
        const QByteArray fc = *exportConfig(*config, ExportFormat::Fc, u"img"_qs);
        QVERIFY(fc.contains("component: \"fc\""));
        QVERIFY(fc.contains("args: \"[\\\"server.js\\\",\\\"--port=8080\\\"]\"")); // JSON text
        const QByteArray tpl = *exportConfig(*config, ExportFormat::Funcraft, u"img"_qs);
        QVERIFY(tpl.contains("Type: \"Aliyun::Serverless::Function\""));
        QVERIFY(tpl.contains("Metadata:"));
    }

    void formatNames()
    {
        QCOMPARE(exportFormatFromString(u"fc3"_qs), std::optional(ExportFormat::Fc3));
        QCOMPARE(exportFormatFromString(u"fc"_qs), std::optional(ExportFormat::Fc));
        QCOMPARE(exportFormatFromString(u"template"_qs), std::optional(ExportFormat::Funcraft));
        QVERIFY(!exportFormatFromString(u"sam"_qs));
    }
};

QTEST_APPLESS_MAIN(TestConfigExport)
#include "TestConfigExport.moc"
