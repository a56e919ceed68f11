// InvokePanel's two editors: the event page (FC's sample events, events saved per function,
// the JSON check) and the HTTP composer (split from InvokePanel.cpp).
#include "InvokePanel.h"

#include <QComboBox>
#include <QFile>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTableWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "JsonHighlighter.h"
#include "common/Format.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

struct Sample
{
    const char *name;
    const char *resource;
};

// FC's event shapes, compiled in from resources/events/.
constexpr Sample kSamples[] = {
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "Timer trigger"), ":/events/timer.json"},
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "OSS trigger"), ":/events/oss.json"},
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "HTTP trigger event"), ":/events/http.json"},
    {QT_TRANSLATE_NOOP("Fcemu::Ui::InvokePanel", "Plain text"), ":/events/plain.txt"},
};

QColor warningColor(const QPalette &palette)
{
    return isDarkPalette(palette) ? QColor(0xf0, 0xb4, 0x4c) : QColor(0x9a, 0x52, 0x00);
}

} // namespace

QWidget *InvokePanel::buildEventPage()
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    auto *page = new QWidget;

    auto *samples = new QToolButton;
    samples->setText(tr("Samples"));
    samples->setPopupMode(QToolButton::InstantPopup);
    auto *samplesMenu = new QMenu(samples);
    for (const QString &name : sampleNames())
        samplesMenu->addAction(name, this, [this, name]() { loadSample(name); });
    samples->setMenu(samplesMenu);

    m_savedButton = new QToolButton;
    m_savedButton->setText(tr("Saved"));
    m_savedButton->setPopupMode(QToolButton::InstantPopup);
    m_savedMenu = new QMenu(m_savedButton);
    m_savedButton->setMenu(m_savedMenu);
    connect(m_savedMenu, &QMenu::aboutToShow, this, &InvokePanel::rebuildSavedMenu);

    auto *saveAs = new QToolButton;
    saveAs->setText(tr("Save as…"));
    connect(saveAs, &QToolButton::clicked, this, &InvokePanel::askSaveEvent);

    auto *tools = new QHBoxLayout;
    tools->addWidget(samples);
    tools->addWidget(m_savedButton);
    tools->addWidget(saveAs);
    tools->addStretch();

    m_event = new QPlainTextEdit;
    m_event->setObjectName(u"event"_qs);
    m_event->setFont(mono);
    m_event->setTabChangesFocus(true);
    m_event->setPlaceholderText(tr("The event: any bytes; JSON is checked as you type"));
    m_eventHighlighter = new JsonHighlighter(m_event->document());
    m_eventCheck = new QLabel;
    m_eventCheck->setObjectName(u"eventCheck"_qs);
    m_eventCheck->setWordWrap(true);
    m_eventCheck->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_event, &QPlainTextEdit::textChanged, this, &InvokePanel::updateEventCheck);

    auto *layout = new QVBoxLayout(page);
    layout->addLayout(tools);
    layout->addWidget(m_event, 1);
    layout->addWidget(m_eventCheck);
    return page;
}

QWidget *InvokePanel::buildHttpPage()
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    auto *page = new QWidget;

    m_method = new QComboBox;
    m_method->setEditable(true); // FC passes any method token through
    m_method->addItems(
        {u"GET"_qs, u"POST"_qs, u"PUT"_qs, u"PATCH"_qs, u"DELETE"_qs, u"HEAD"_qs, u"OPTIONS"_qs});
    m_path = new QLineEdit(u"/"_qs);
    m_path->setObjectName(u"path"_qs);
    m_path->setPlaceholderText(tr("/path"));
    m_query = new QLineEdit;
    m_query->setObjectName(u"query"_qs);
    m_query->setPlaceholderText(tr("query"));
    m_query->setToolTip(tr("The query string, e.g. sleep=200&name=fc"));
    auto *line = new QHBoxLayout;
    line->addWidget(m_method);
    line->addWidget(m_path, 2);
    line->addWidget(new QLabel(u"?"_qs));
    line->addWidget(m_query, 2);

    m_httpUrl = new QLabel;
    m_httpUrl->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_httpUrl->setForegroundRole(QPalette::PlaceholderText);
    // A long trigger URL must not set the dock's minimum width (at 1280 px it pushed the window
    // past the screen): the label takes what it is given, the whole URL is in its tooltip.
    m_httpUrl->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_httpUrl->setObjectName(u"httpUrl"_qs);
    m_httpUrl->setProperty("fcemuElides", true); // for Ui::findCutText

    m_headers = new QTableWidget(0, 2);
    m_headers->setObjectName(u"requestHeaders"_qs);
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_headers->setMinimumHeight(70);
    auto *addHeader = new QToolButton;
    addHeader->setText(tr("Add header"));
    auto *removeHeader = new QToolButton;
    removeHeader->setText(tr("Remove"));
    connect(addHeader, &QToolButton::clicked, this, [this]() {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem);
        m_headers->setItem(row, 1, new QTableWidgetItem);
        m_headers->setCurrentCell(row, 0);
        m_headers->editItem(m_headers->item(row, 0));
    });
    connect(removeHeader, &QToolButton::clicked, this, [this]() {
        if (m_headers->currentRow() >= 0)
            m_headers->removeRow(m_headers->currentRow());
    });
    auto *headerButtons = new QVBoxLayout;
    headerButtons->addWidget(addHeader);
    headerButtons->addWidget(removeHeader);
    headerButtons->addStretch();
    auto *headerRow = new QHBoxLayout;
    headerRow->addWidget(m_headers, 1);
    headerRow->addLayout(headerButtons);

    m_body = new QPlainTextEdit;
    m_body->setObjectName(u"httpBody"_qs);
    m_body->setFont(mono);
    m_body->setTabChangesFocus(true);
    m_body->setPlaceholderText(tr("Request body (optional)"));
    m_bodyHighlighter = new JsonHighlighter(m_body->document());

    auto updateUrl = [this]() {
        const QString target = QString::fromUtf8(httpRequest().target);
        const QString url = m_session ? m_session->httpTriggerUrl(target) : QString();
        m_httpUrl->setText(url.isEmpty() ? tr("The function sees %1").arg(target)
                                         : tr("HTTP trigger: %1").arg(url));
        m_httpUrl->setToolTip(m_httpUrl->text());
    };
    connect(m_path, &QLineEdit::textChanged, this, updateUrl);
    connect(m_query, &QLineEdit::textChanged, this, updateUrl);
    if (m_session)
        connect(m_session, &Session::FunctionSession::endpointChanged, this, updateUrl);
    updateUrl();

    auto *layout = new QVBoxLayout(page);
    layout->addLayout(line);
    layout->addWidget(m_httpUrl);
    layout->addLayout(headerRow, 1);
    layout->addWidget(new QLabel(tr("Body")));
    layout->addWidget(m_body, 2);
    return page;
}

QStringList InvokePanel::sampleNames()
{
    QStringList names;
    for (const Sample &sample : kSamples)
        names.append(tr(sample.name));
    return names;
}

QByteArray InvokePanel::sampleEvent(const QString &name)
{
    for (const Sample &sample : kSamples) {
        if (tr(sample.name) != name)
            continue;
        QFile file(QString::fromLatin1(sample.resource));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return file.readAll();
    }
    return {};
}

void InvokePanel::loadSample(const QString &name)
{
    m_event->setPlainText(QString::fromUtf8(sampleEvent(name)));
}

QString InvokePanel::savedEventsKey() const
{
    const QString function = m_session && m_session->isLoaded() ? m_session->config().name
                                                                : Config::FunctionConfig().name;
    return u"savedEvents/"_qs + QString::fromLatin1(QUrl::toPercentEncoding(function));
}

QVariantMap InvokePanel::savedEvents() const
{
    return QSettings().value(savedEventsKey()).toMap();
}

QStringList InvokePanel::savedEventNames() const
{
    return savedEvents().keys();
}

void InvokePanel::saveEvent(const QString &name)
{
    if (name.trimmed().isEmpty())
        return;
    QVariantMap events = savedEvents();
    events.insert(name.trimmed(), m_event->toPlainText().toUtf8());
    QSettings().setValue(savedEventsKey(), events);
}

bool InvokePanel::loadSavedEvent(const QString &name)
{
    const QVariantMap events = savedEvents();
    const auto it = events.constFind(name);
    if (it == events.cend())
        return false;
    m_event->setPlainText(QString::fromUtf8(it->toByteArray()));
    return true;
}

void InvokePanel::deleteSavedEvent(const QString &name)
{
    QVariantMap events = savedEvents();
    if (events.remove(name) == 0)
        return;
    QSettings settings;
    if (events.isEmpty())
        settings.remove(savedEventsKey());
    else
        settings.setValue(savedEventsKey(), events);
}

void InvokePanel::askSaveEvent()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save event"),
                                               tr("Name for this event (kept for function %1):")
                                                   .arg(m_session && m_session->isLoaded()
                                                            ? m_session->config().name
                                                            : Config::FunctionConfig().name),
                                               QLineEdit::Normal, {}, &ok);
    if (ok)
        saveEvent(name);
}

void InvokePanel::rebuildSavedMenu()
{
    m_savedMenu->clear();
    const QStringList names = savedEventNames();
    if (names.isEmpty()) {
        m_savedMenu->addAction(tr("No saved events for this function"))->setEnabled(false);
        return;
    }
    for (const QString &name : names)
        m_savedMenu->addAction(name, this, [this, name]() { loadSavedEvent(name); });
    m_savedMenu->addSeparator();
    QMenu *deleteMenu = m_savedMenu->addMenu(tr("Delete"));
    for (const QString &name : names)
        deleteMenu->addAction(name, this, [this, name]() { deleteSavedEvent(name); });
}

QString InvokePanel::eventProblem() const
{
    return m_eventCheck->text();
}

void InvokePanel::updateEventCheck()
{
    const JsonCheck check = checkJson(m_event->toPlainText().toUtf8());
    m_eventCheck->setText(check.summary());
    QPalette p = palette();
    if (!check.valid)
        p.setColor(QPalette::WindowText, warningColor(palette()));
    m_eventCheck->setPalette(p);
}

Http::HttpRequest InvokePanel::httpRequest() const
{
    Http::HttpRequest request;
    request.method = m_method->currentText().trimmed().toUpper().toLatin1();
    if (request.method.isEmpty())
        request.method = "GET";
    QString path = m_path->text().trimmed();
    if (!path.startsWith(u'/'))
        path.prepend(u'/');
    QString query = m_query->text().trimmed();
    if (query.startsWith(u'?'))
        query.remove(0, 1);
    // Spaces and other characters a request line cannot carry are escaped; '%' escapes the
    // user typed stay as they are.
    request.setTarget(QUrl::toPercentEncoding(path, "/%!$&'()*+,;=:@-._~"),
                      QUrl::toPercentEncoding(query, "/?%!$&'()*+,;=:@-._~"));
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QTableWidgetItem *name = m_headers->item(row, 0);
        const QTableWidgetItem *value = m_headers->item(row, 1);
        if (!name || name->text().trimmed().isEmpty())
            continue;
        request.headers.append(
            {name->text().trimmed().toUtf8(), value ? value->text().toUtf8() : QByteArray()});
    }
    request.body = m_body->toPlainText().toUtf8();
    return request;
}

void InvokePanel::setHttpRequest(const QByteArray &method, const QByteArray &path,
                                 const QByteArray &query, const Http::HttpHeaders &headers,
                                 const QByteArray &body)
{
    m_method->setCurrentText(QString::fromLatin1(method));
    m_path->setText(QString::fromUtf8(path));
    m_query->setText(QString::fromUtf8(query));
    m_headers->setRowCount(0);
    for (const Http::HttpHeader &header : headers) {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem(QString::fromUtf8(header.first)));
        m_headers->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(header.second)));
    }
    m_body->setPlainText(QString::fromUtf8(body));
}

} // namespace Fcemu::Ui
