#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QClipboard>
#include <QLabel>
#include <QMenu>
#include <QStackedWidget>
#include <QStyle>
#include <QTest>

#include "Screenshots.h"
#include <QTreeWidget>

#include "inspectors/headers/HeadersInspector.h"
#include "window/Theme.h"

using namespace Fcemu;
using Fcemu::Ui::darkPalette; // the app's own dark theme
using Fcemu::Ui::HeadersInspector;

namespace {

Telemetry::InvocationRecord makeRecord()
{
    Telemetry::InvocationRecord r;
    r.requestId = u"1-6603951e-157f3f32-7fe6f248d7d0"_qs;
    r.kind = u"http"_qs;
    r.client.emplace();
    r.client->method = u"POST"_qs;
    r.client->target = u"/orders?id=7"_qs;
    r.client->headers = {{"Host", "127.0.0.1:8000"},
                         {"Content-Type", "application/json"},
                         {"User-Agent", "curl/8.5.0"}};
    r.client->body = R"({"item":"tea"})";
    r.requestHeaders = {
        {"Content-Type", "application/json"},   {"x-fc-request-id", r.requestId.toUtf8()},
        {"x-fc-access-key-id", "STS.KEYID123"}, {"x-fc-access-key-secret", "SECRET456"},
        {"x-fc-security-token", "TOKEN789"},    {"x-fc-function-name", "orders"},
        {"x-fc-function-memory", "128"},        {"x-fc-region", "cn-hangzhou"}};
    r.statusCode = 201;
    r.responseHeaders = {{"Content-Type", "application/json"}, {"X-Trace", "abc"}};
    r.body = R"({"ok":true})";
    return r;
}

// Every text the inspector's widgets show (tree items and labels).
QStringList visibleTexts(const HeadersInspector &inspector)
{
    QStringList texts;
    for (const auto which : {HeadersInspector::ClientSection, HeadersInspector::ContainerSection,
                             HeadersInspector::ResponseSection}) {
        QTreeWidgetItem *section = inspector.sectionItem(which);
        if (!section)
            continue;
        texts.append(section->text(0));
        for (int j = 0; j < section->childCount(); ++j)
            texts.append(section->child(j)->text(0) + u": "_qs + section->child(j)->text(1));
    }
    for (const QLabel *label : inspector.findChildren<QLabel *>())
        texts.append(label->text());
    return texts;
}

QString valueOf(const HeadersInspector &inspector, HeadersInspector::Section section,
                const QString &name)
{
    QTreeWidgetItem *group = inspector.sectionItem(section);
    for (int j = 0; j < group->childCount(); ++j) {
        if (group->child(j)->text(0) == name)
            return group->child(j)->text(1);
    }
    return u"<absent>"_qs;
}

} // namespace

class TestHeadersInspector final : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();
    void emptyStateWithoutRecord();
    void threeSections();
    void secretsAreMaskedUntilRevealed();
    void fcHeadersAreEmphasised();
    void errorIsShownInTheResponse();
    void keepsItsOwnCopy();
    void copiesAValueFromTheContextMenu();
    void sideBySideWhenWide();
    void render_data();
    void render();
};

void TestHeadersInspector::cleanup()
{
    QApplication::setPalette(QApplication::style()->standardPalette());
}

void TestHeadersInspector::emptyStateWithoutRecord()
{
    HeadersInspector inspector;
    QVERIFY(!inspector.isShowingRecord());
    auto *stack = inspector.findChild<QStackedWidget *>();
    QVERIFY(stack);
    auto *label = qobject_cast<QLabel *>(stack->currentWidget());
    QVERIFY(label);
    QCOMPARE(label->text(), u"Select a request to see its headers."_qs);
    const Telemetry::InvocationRecord record = makeRecord();
    inspector.showRecord(&record);
    QVERIFY(inspector.isShowingRecord());
    QVERIFY(stack->currentWidget() != label);
    inspector.showRecord(nullptr);
    QCOMPARE(stack->currentWidget(), label);
    QCOMPARE(inspector.clientTree()->topLevelItemCount(), 0);
    QCOMPARE(inspector.containerTree()->topLevelItemCount(), 0);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ResponseSection), nullptr);
}

void TestHeadersInspector::threeSections()
{
    HeadersInspector inspector;
    const Telemetry::InvocationRecord record = makeRecord();
    inspector.showRecord(&record);
    // The client's request on one side; the container's request and the answer on the other.
    QCOMPARE(inspector.clientTree()->topLevelItemCount(), 1);
    QCOMPARE(inspector.containerTree()->topLevelItemCount(), 2);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ClientSection)->treeWidget(),
             inspector.clientTree());
    QCOMPARE(inspector.sectionItem(HeadersInspector::ResponseSection)->treeWidget(),
             inspector.containerTree());
    QCOMPARE(inspector.sectionItem(HeadersInspector::ClientSection)->text(0),
             u"Client request: POST /orders?id=7"_qs);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ContainerSection)->text(0),
             u"Container received: 8 headers, 7 from FC (x-fc-*)"_qs);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ResponseSection)->text(0),
             u"Response: HTTP/1.1 201 Created"_qs);
    QCOMPARE(valueOf(inspector, HeadersInspector::ClientSection, u"User-Agent"_qs),
             u"curl/8.5.0"_qs);
    QCOMPARE(valueOf(inspector, HeadersInspector::ContainerSection, u"x-fc-region"_qs),
             u"cn-hangzhou"_qs);
    QCOMPARE(valueOf(inspector, HeadersInspector::ResponseSection, u"X-Trace"_qs), u"abc"_qs);
    // 3 client headers + the body line; 2 response headers + the body line.
    QCOMPARE(inspector.sectionItem(HeadersInspector::ClientSection)->childCount(), 4);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ClientSection)->child(3)->text(0),
             u"Body: 14 bytes"_qs);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ResponseSection)->childCount(), 3);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ResponseSection)->child(2)->text(0),
             u"Body: 11 bytes"_qs);

    Telemetry::InvocationRecord event = makeRecord();
    event.client.reset();
    inspector.showRecord(&event);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ClientSection)->text(0), u"Client request"_qs);
    QCOMPARE(inspector.sectionItem(HeadersInspector::ClientSection)->child(0)->text(0),
             u"Not recorded for this request"_qs);
}

void TestHeadersInspector::secretsAreMaskedUntilRevealed()
{
    HeadersInspector inspector;
    const Telemetry::InvocationRecord record = makeRecord();
    inspector.showRecord(&record);
    QVERIFY(!inspector.secretsRevealed());
    const auto container = HeadersInspector::ContainerSection;
    QCOMPARE(valueOf(inspector, container, u"x-fc-access-key-id"_qs), u"••••"_qs);
    QCOMPARE(valueOf(inspector, container, u"x-fc-access-key-secret"_qs), u"••••"_qs);
    QCOMPARE(valueOf(inspector, container, u"x-fc-security-token"_qs), u"••••"_qs);
    QCOMPARE(valueOf(inspector, container, u"x-fc-request-id"_qs), record.requestId);
    const QString all = visibleTexts(inspector).join(u'\n');
    QVERIFY(!all.contains(u"KEYID123"_qs));
    QVERIFY(!all.contains(u"SECRET456"_qs));
    QVERIFY(!all.contains(u"TOKEN789"_qs));

    // The toggle the user sees reveals them, and hides them again.
    auto *toggle = inspector.findChild<QCheckBox *>();
    QVERIFY(toggle);
    QCOMPARE(toggle->text(), u"Reveal secrets"_qs);
    toggle->click();
    QVERIFY(inspector.secretsRevealed());
    QCOMPARE(valueOf(inspector, container, u"x-fc-access-key-id"_qs), u"STS.KEYID123"_qs);
    QCOMPARE(valueOf(inspector, container, u"x-fc-access-key-secret"_qs), u"SECRET456"_qs);
    QCOMPARE(valueOf(inspector, container, u"x-fc-security-token"_qs), u"TOKEN789"_qs);

    // A new record keeps the choice.
    Telemetry::InvocationRecord other = makeRecord();
    other.requestHeaders[3].second = "OTHER-SECRET";
    inspector.showRecord(&other);
    QCOMPARE(valueOf(inspector, container, u"x-fc-access-key-secret"_qs), u"OTHER-SECRET"_qs);
    toggle->click();
    QCOMPARE(valueOf(inspector, container, u"x-fc-access-key-secret"_qs), u"••••"_qs);
    QVERIFY(!visibleTexts(inspector).join(u'\n').contains(u"OTHER-SECRET"_qs));

    QVERIFY(HeadersInspector::isSecretHeader(u"X-Fc-Security-Token"_qs));
    QVERIFY(!HeadersInspector::isSecretHeader(u"x-fc-request-id"_qs));
}

void TestHeadersInspector::fcHeadersAreEmphasised()
{
    HeadersInspector inspector;
    const Telemetry::InvocationRecord record = makeRecord();
    inspector.showRecord(&record);
    QTreeWidgetItem *container = inspector.sectionItem(HeadersInspector::ContainerSection);
    int bold = 0;
    for (int j = 0; j < container->childCount(); ++j) {
        QTreeWidgetItem *item = container->child(j);
        QCOMPARE(item->font(0).bold(), item->text(0).startsWith(u"x-fc-"_qs));
        bold += item->font(0).bold() ? 1 : 0;
    }
    QCOMPARE(bold, 7);
    QTreeWidgetItem *client = inspector.sectionItem(HeadersInspector::ClientSection);
    QVERIFY(!client->child(0)->font(0).bold());

    // A theme switch recolours them: the light theme's dark blue would not read on dark.
    const auto nameColour = [&inspector]() {
        const QTreeWidgetItem *section = inspector.sectionItem(HeadersInspector::ContainerSection);
        const QTreeWidgetItem *name = section ? section->child(1) : nullptr; // x-fc-request-id
        return name ? name->foreground(0).color() : QColor();
    };
    const QColor light = nameColour();
    inspector.setPalette(darkPalette());
    const QColor dark = nameColour();
    QVERIFY2(dark.lightness() > light.lightness(),
             qPrintable(light.name() + u" then "_qs + dark.name()));
    QVERIFY(dark.lightness() > 128);
}

void TestHeadersInspector::errorIsShownInTheResponse()
{
    HeadersInspector inspector;
    Telemetry::InvocationRecord record = makeRecord();
    record.statusCode = 502;
    record.error = Telemetry::InvocationError{u"FunctionNotStarted"_qs,
                                              u"The CA's http server cannot be started"_qs};
    inspector.showRecord(&record);
    QTreeWidgetItem *response = inspector.sectionItem(HeadersInspector::ResponseSection);
    QCOMPARE(response->text(0), u"Response: HTTP/1.1 502 Bad Gateway"_qs);
    QCOMPARE(response->child(0)->text(0),
             u"Error FunctionNotStarted: The CA's http server cannot be started"_qs);
}

void TestHeadersInspector::keepsItsOwnCopy()
{
    HeadersInspector inspector;
    auto record = std::make_unique<Telemetry::InvocationRecord>(makeRecord());
    inspector.showRecord(record.get());
    record.reset();
    inspector.setSecretsRevealed(true); // touches every row after the record is gone
    QCOMPARE(valueOf(inspector, HeadersInspector::ContainerSection, u"x-fc-function-name"_qs),
             u"orders"_qs);
}

void TestHeadersInspector::copiesAValueFromTheContextMenu()
{
    HeadersInspector inspector;
    const Telemetry::InvocationRecord record = makeRecord();
    inspector.showRecord(&record);
    QTreeWidgetItem *container = inspector.sectionItem(HeadersInspector::ContainerSection);
    QTreeWidgetItem *region = container->child(7);
    QTreeWidgetItem *secret = container->child(3);
    QCOMPARE(region->text(0), u"x-fc-region"_qs);
    QCOMPARE(secret->text(0), u"x-fc-access-key-secret"_qs);

    // Section titles and notes have no menu.
    QCOMPARE(inspector.createContextMenu(container, &inspector), nullptr);

    std::unique_ptr<QMenu> menu(inspector.createContextMenu(region, &inspector));
    QVERIFY(menu);
    QCOMPARE(menu->actions().size(), 3);
    menu->actions().at(0)->trigger();
    QCOMPARE(QApplication::clipboard()->text(), u"cn-hangzhou"_qs);
    menu->actions().at(1)->trigger();
    QCOMPARE(QApplication::clipboard()->text(), u"x-fc-region: cn-hangzhou"_qs);

    // A masked secret can't be copied until it is revealed.
    menu.reset(inspector.createContextMenu(secret, &inspector));
    QCOMPARE(menu->actions().at(0)->text(), u"Copy value (reveal secrets first)"_qs);
    QVERIFY(!menu->actions().at(0)->isEnabled());
    QVERIFY(!menu->actions().at(1)->isEnabled());
    QVERIFY(menu->actions().at(2)->isEnabled());
    inspector.setSecretsRevealed(true);
    menu.reset(inspector.createContextMenu(secret, &inspector));
    QVERIFY(menu->actions().at(0)->isEnabled());
    menu->actions().at(0)->trigger();
    QCOMPARE(QApplication::clipboard()->text(), u"SECRET456"_qs);
}

void TestHeadersInspector::sideBySideWhenWide()
{
    HeadersInspector inspector;
    const Telemetry::InvocationRecord record = makeRecord();
    inspector.showRecord(&record);
    inspector.resize(HeadersInspector::kSideBySideWidth + 200, 500);
    inspector.show();
    QVERIFY(QTest::qWaitForWindowExposed(&inspector));
    QCOMPARE(inspector.orientation(), Qt::Horizontal);
    // The client's request is to the left of the container's, at the same height.
    const QPoint client = inspector.clientTree()->mapTo(&inspector, QPoint(0, 0));
    const QPoint container = inspector.containerTree()->mapTo(&inspector, QPoint(0, 0));
    QVERIFY2(client.x() < container.x() && client.y() == container.y(),
             qPrintable(u"client at %1,%2, container at %3,%4"_qs.arg(client.x())
                            .arg(client.y())
                            .arg(container.x())
                            .arg(container.y())));
    // Narrow (a docked panel): one above the other.
    inspector.resize(HeadersInspector::kSideBySideWidth - 200, 500);
    QTRY_COMPARE(inspector.orientation(), Qt::Vertical);
    QTRY_VERIFY(inspector.clientTree()->mapTo(&inspector, QPoint(0, 0)).y() <
                inspector.containerTree()->mapTo(&inspector, QPoint(0, 0)).y());
    // The client's few rows get the room they need, the container's long list the rest.
    QVERIFY2(inspector.clientTree()->height() < inspector.containerTree()->height(),
             qPrintable(u"client %1 px, container %2 px"_qs.arg(inspector.clientTree()->height())
                            .arg(inspector.containerTree()->height())));
    QVERIFY(Test::saveScreenshot(&inspector, u"headers-narrow.png"_qs));
}

void TestHeadersInspector::render_data()
{
    QTest::addColumn<bool>("dark");
    QTest::addRow("light") << false;
    QTest::addRow("dark") << true;
}

void TestHeadersInspector::render()
{
    QFETCH(bool, dark);
    if (dark)
        QApplication::setPalette(darkPalette());
    HeadersInspector inspector;
    inspector.resize(980, 520);
    const Telemetry::InvocationRecord record = makeRecord();
    inspector.showRecord(&record);
    inspector.show();
    QVERIFY(QTest::qWaitForWindowExposed(&inspector));
    const QString suffix = dark ? u"dark"_qs : u"light"_qs;
    QVERIFY(Test::saveScreenshot(&inspector, u"headers-%1.png"_qs.arg(suffix)));
    HeadersInspector empty;
    empty.resize(360, 160);
    empty.show();
    QVERIFY(Test::saveScreenshot(&empty, u"headers-empty-%1.png"_qs.arg(suffix)));
}

QTEST_MAIN(TestHeadersInspector)
#include "TestHeadersInspector.moc"
