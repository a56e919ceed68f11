#include <QSet>
#include <QTest>

#include "config/Environment.h"

using namespace Fcemu;
using namespace Fcemu::Config;

namespace {

QString valueOf(const QStringList &env, const QString &key)
{
    for (const QString &entry : env) {
        if (entry.startsWith(key + u'='))
            return entry.mid(key.size() + 1);
    }
    return {};
}

QStringList keysOf(const QStringList &env)
{
    QStringList keys;
    for (const QString &entry : env)
        keys.append(entry.section(u'=', 0, 0));
    return keys;
}

} // namespace

class TestEnvironment final : public QObject
{
    Q_OBJECT

private slots:
    void imageThenSystemThenFunction()
    {
        FunctionConfig c;
        c.name = u"api"_qs;
        c.serviceName = u"svc"_qs;
        c.region = u"cn-beijing"_qs;
        c.memoryMB = 1024;
        c.caPort = 8080;
        c.env = {{u"APP_MODE"_qs, u"prod"_qs}, {u"B"_qs, u"2"_qs}};
        const QStringList env =
            buildEnvironment(c, {u"PATH=/usr/local/bin:/usr/bin"_qs, u"LANG=C.UTF-8"_qs},
                             u"c-123"_qs, QProcessEnvironment());
        const QStringList expected{
            u"PATH=/usr/local/bin:/usr/bin"_qs,
            u"LANG=C.UTF-8"_qs,
            u"FC_FUNCTION_NAME=api"_qs,
            u"FC_FUNCTION_MEMORY_SIZE=1024"_qs,
            u"FC_FUNCTION_HANDLER=index.handler"_qs,
            u"FC_REGION=cn-beijing"_qs,
            u"FC_ACCOUNT_ID=1234567890123456"_qs,
            u"FC_INSTANCE_ID=c-123"_qs,
            u"FC_CUSTOM_LISTEN_PORT=8080"_qs,
            u"FC_SERVICE_NAME=svc"_qs,
            u"ALIBABA_CLOUD_ACCESS_KEY_ID=FCEMU-PLACEHOLDER-ACCESS-KEY-ID"_qs,
            u"ALIBABA_CLOUD_ACCESS_KEY_SECRET=FCEMU-PLACEHOLDER-ACCESS-KEY-SECRET"_qs,
            u"ALIBABA_CLOUD_SECURITY_TOKEN=FCEMU-PLACEHOLDER-SECURITY-TOKEN"_qs,
            u"APP_MODE=prod"_qs,
            u"B=2"_qs,
        };
        QCOMPARE(env, expected);
    }

    void laterEntriesOverrideEarlierOnesInPlace()
    {
        FunctionConfig c;
        c.env = {{u"NODE_ENV"_qs, u"production"_qs},
                 {u"ALIBABA_CLOUD_ACCESS_KEY_ID"_qs, u"mine"_qs}};
        const QStringList env =
            buildEnvironment(c,
                             {u"NODE_ENV=development"_qs, u"FC_REGION=from-image"_qs,
                              u"HOME=/root"_qs, u"HOME=/home/app"_qs},
                             u"i"_qs, QProcessEnvironment());
        // One entry per key.
        const QStringList keys = keysOf(env);
        QCOMPARE(QSet<QString>(keys.begin(), keys.end()).size(), keys.size());
        // The function's variable wins over the image's, at the image's position.
        QCOMPARE(env.at(0), u"NODE_ENV=production"_qs);
        // The system variable wins over the image's.
        QCOMPARE(env.at(1), u"FC_REGION=cn-hangzhou"_qs);
        // Within the image, the later entry wins.
        QCOMPARE(env.at(2), u"HOME=/home/app"_qs);
        // A user variable may replace a credential placeholder (only FC_ is reserved).
        QCOMPARE(valueOf(env, u"ALIBABA_CLOUD_ACCESS_KEY_ID"_qs), u"mine"_qs);
    }

    void userFcVariablesNeverReplaceSystemOnes()
    {
        FunctionConfig c;
        c.env = {{u"FC_FUNCTION_NAME"_qs, u"hijack"_qs}, {u"FC_NEW"_qs, u"x"_qs}};
        const QStringList env = buildEnvironment(c, {}, u"i"_qs, QProcessEnvironment());
        QCOMPARE(valueOf(env, u"FC_FUNCTION_NAME"_qs), u"fcemu-function"_qs);
        QVERIFY(!keysOf(env).contains(u"FC_NEW"_qs));
    }

    void credentials_data()
    {
        QTest::addColumn<QStringList>("host");
        QTest::addColumn<QStringList>("expected"); // id, secret, token, account
        QTest::addRow("no host credentials: placeholders")
            << QStringList{}
            << QStringList{u"FCEMU-PLACEHOLDER-ACCESS-KEY-ID"_qs,
                           u"FCEMU-PLACEHOLDER-ACCESS-KEY-SECRET"_qs,
                           u"FCEMU-PLACEHOLDER-SECURITY-TOKEN"_qs, u"1234567890123456"_qs};
        QTest::addRow("STS credentials from the host are passed through")
            << QStringList{u"ALIBABA_CLOUD_ACCESS_KEY_ID=STS.id"_qs,
                           u"ALIBABA_CLOUD_ACCESS_KEY_SECRET=sec"_qs,
                           u"ALIBABA_CLOUD_SECURITY_TOKEN=tok"_qs,
                           u"ALIBABA_CLOUD_ACCOUNT_ID=987"_qs}
            << QStringList{u"STS.id"_qs, u"sec"_qs, u"tok"_qs, u"987"_qs};
        QTest::addRow("a long-term host key gets an empty token, not a fake one")
            << QStringList{u"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIid"_qs,
                           u"ALIBABA_CLOUD_ACCESS_KEY_SECRET=sec"_qs}
            << QStringList{u"LTAIid"_qs, u"sec"_qs, u""_qs, u"1234567890123456"_qs};
    }
    void credentials()
    {
        QFETCH(QStringList, host);
        QFETCH(QStringList, expected);
        QProcessEnvironment environment(QProcessEnvironment::InheritFromParent);
        environment.clear();
        for (const QString &entry : host)
            environment.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));
        const QStringList env = buildEnvironment(FunctionConfig(), {}, u"i"_qs, environment);
        QCOMPARE(valueOf(env, u"ALIBABA_CLOUD_ACCESS_KEY_ID"_qs), expected.at(0));
        QCOMPARE(valueOf(env, u"ALIBABA_CLOUD_ACCESS_KEY_SECRET"_qs), expected.at(1));
        QCOMPARE(valueOf(env, u"ALIBABA_CLOUD_SECURITY_TOKEN"_qs), expected.at(2));
        QCOMPARE(valueOf(env, u"FC_ACCOUNT_ID"_qs), expected.at(3));
        QVERIFY(keysOf(env).contains(u"ALIBABA_CLOUD_SECURITY_TOKEN"_qs));
        const Credentials credentials = hostCredentials(environment);
        QCOMPARE(credentials.accessKeyId, expected.at(0));
    }

    void command_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("entrypoint");
        QTest::addColumn<QStringList>("cmd");
        QTest::addColumn<QStringList>("expected"); // empty: refused
        const QStringList ep{u"/docker-entrypoint.sh"_qs};
        const QStringList cmd{u"nginx"_qs, u"-g"_qs, u"daemon off;"_qs};
        QTest::addRow("neither set: Entrypoint then Cmd")
            << QStringList{} << QStringList{} << ep << cmd << ep + cmd;
        QTest::addRow("command replaces Entrypoint and drops the image Cmd")
            << QStringList{u"/bin/server"_qs} << QStringList{} << ep << cmd
            << QStringList{u"/bin/server"_qs};
        QTest::addRow("command and args replace both")
            << QStringList{u"node"_qs} << QStringList{u"app.js"_qs} << ep << cmd
            << QStringList{u"node"_qs, u"app.js"_qs};
        QTest::addRow("args replace Cmd and keep Entrypoint")
            << QStringList{} << QStringList{u"-c"_qs, u"/etc/my.conf"_qs} << ep << cmd
            << QStringList{u"/docker-entrypoint.sh"_qs, u"-c"_qs, u"/etc/my.conf"_qs};
        QTest::addRow("args alone when the image has no Entrypoint")
            << QStringList{} << QStringList{u"python3"_qs, u"-m"_qs, u"http.server"_qs}
            << QStringList{} << cmd << QStringList{u"python3"_qs, u"-m"_qs, u"http.server"_qs};
        QTest::addRow("an image with only Cmd runs its Cmd")
            << QStringList{} << QStringList{} << QStringList{} << cmd << cmd;
        QTest::addRow("an image with only Entrypoint runs its Entrypoint")
            << QStringList{} << QStringList{} << ep << QStringList{} << ep;
        QTest::addRow("command works on an image with nothing")
            << QStringList{u"/app"_qs} << QStringList{} << QStringList{} << QStringList{}
            << QStringList{u"/app"_qs};
        QTest::addRow("nothing anywhere is refused")
            << QStringList{} << QStringList{} << QStringList{} << QStringList{} << QStringList{};
    }
    void command()
    {
        QFETCH(QStringList, command);
        QFETCH(QStringList, args);
        QFETCH(QStringList, entrypoint);
        QFETCH(QStringList, cmd);
        QFETCH(QStringList, expected);
        FunctionConfig c;
        c.command = command;
        c.args = args;
        const auto argv = buildCommand(c, entrypoint, cmd);
        if (expected.isEmpty()) {
            QVERIFY(!argv.has_value());
            QCOMPARE(argv.error().kind, ErrorKind::Usage);
            QCOMPARE(argv.error().message,
                     u"the image has no Entrypoint or Cmd; set --command (and --args)"_qs);
            return;
        }
        QVERIFY(argv.has_value());
        QCOMPARE(*argv, expected);
    }
};

QTEST_APPLESS_MAIN(TestEnvironment)
#include "TestEnvironment.moc"
