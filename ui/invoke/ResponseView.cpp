#include "ResponseView.h"

#include <algorithm>

#include <QEvent>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QStringDecoder>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ErrorExplanations.h"
#include "JsonHighlighter.h"
#include "common/Format.h"

namespace Fcemu::Ui {

namespace {

// 2xx green, 3xx blue, 4xx amber, 5xx red; lighter shades on a dark window.
QColor statusColor(int status, const QPalette &palette)
{
    const bool dark = isDarkPalette(palette);
    if (status >= 500)
        return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc6, 0x28, 0x28);
    if (status >= 400)
        return dark ? QColor(0xf0, 0xb4, 0x4c) : QColor(0xa8, 0x5c, 0x00);
    if (status >= 300)
        return dark ? QColor(0x79, 0xc0, 0xff) : QColor(0x09, 0x69, 0xda);
    return dark ? QColor(0x56, 0xd3, 0x64) : QColor(0x1a, 0x7f, 0x37);
}

QString reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return u"OK"_qs;
    case 201:
        return u"Created"_qs;
    case 202:
        return u"Accepted"_qs;
    case 204:
        return u"No Content"_qs;
    case 301:
        return u"Moved Permanently"_qs;
    case 302:
        return u"Found"_qs;
    case 304:
        return u"Not Modified"_qs;
    case 400:
        return u"Bad Request"_qs;
    case 401:
        return u"Unauthorized"_qs;
    case 403:
        return u"Forbidden"_qs;
    case 404:
        return u"Not Found"_qs;
    case 405:
        return u"Method Not Allowed"_qs;
    case 412:
        return u"Precondition Failed"_qs;
    case 413:
        return u"Payload Too Large"_qs;
    case 429:
        return u"Too Many Requests"_qs;
    case 500:
        return u"Internal Server Error"_qs;
    case 502:
        return u"Bad Gateway"_qs;
    case 503:
        return u"Service Unavailable"_qs;
    case 504:
        return u"Gateway Timeout"_qs;
    default:
        return {};
    }
}

QString sizeText(qsizetype bytes)
{
    if (bytes < 1024)
        return bytes == 1 ? QObject::tr("1 byte") : QObject::tr("%1 bytes").arg(bytes);
    if (bytes < 1024 * 1024)
        return QObject::tr("%1 KB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    return formatMegabytes(double(bytes) / (1024.0 * 1024.0));
}

} // namespace

BodyKind classifyBody(const QByteArray &body)
{
    if (body.isEmpty())
        return BodyKind::Empty;
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder(body);
    if (decoder.hasError())
        return BodyKind::Binary;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\t' && u != u'\n' && u != u'\r' && u != u'\f') || u == 0x7f)
            return BodyKind::Binary;
    }
    return nlohmann::json::accept(body.begin(), body.end()) ? BodyKind::Json : BodyKind::Text;
}

QString formatBody(const QByteArray &body, BodyKind kind)
{
    switch (kind) {
    case BodyKind::Empty:
        return {};
    case BodyKind::Json: {
        const auto json = nlohmann::ordered_json::parse(body.begin(), body.end(), nullptr, false);
        if (json.is_discarded())
            return QString::fromUtf8(body);
        return QString::fromStdString(
            json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    }
    case BodyKind::Text:
        return QString::fromUtf8(body);
    case BodyKind::Binary:
        return hexDump(body);
    }
    return {};
}

QString hexDump(const QByteArray &bytes, qsizetype limit)
{
    QString out;
    const qsizetype shown = std::min(bytes.size(), limit);
    out.reserve(shown / 16 * 80 + 80);
    for (qsizetype offset = 0; offset < shown; offset += 16) {
        out += u"%1 "_qs.arg(offset, 8, 16, QChar(u'0'));
        QString ascii;
        for (qsizetype i = 0; i < 16; ++i) {
            if (i == 8)
                out += u' ';
            if (offset + i < shown) {
                const auto byte = quint8(bytes[offset + i]);
                out += u" %1"_qs.arg(uint(byte), 2, 16, QChar(u'0'));
                ascii += byte >= 0x20 && byte < 0x7f ? QChar(char16_t(byte)) : QChar(u'.');
            } else {
                out += u"   "_qs;
            }
        }
        out += u"  |"_qs + ascii + u"|\n"_qs;
    }
    if (bytes.size() > shown)
        out += QObject::tr("... %1 more bytes not shown\n").arg(bytes.size() - shown);
    return out;
}

ResponseView::ResponseView(QWidget *parent) : QWidget(parent)
{
    m_status = new QLabel;
    m_status->setObjectName(u"status"_qs);
    QFont big = m_status->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    m_status->setFont(big);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_summary = new QLabel;
    m_summary->setObjectName(u"summary"_qs);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_error = new QLabel;
    m_error->setObjectName(u"error"_qs);
    m_error->setWordWrap(true);
    m_error->setTextFormat(Qt::RichText);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setAutoFillBackground(true);
    m_error->setMargin(6);
    m_error->hide();

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_body = new QPlainTextEdit;
    m_body->setObjectName(u"body"_qs);
    m_body->setReadOnly(true);
    m_body->setFont(mono);
    m_body->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_highlighter = new JsonHighlighter(m_body->document());
    m_bodyInfo = new QLabel;
    m_bodyInfo->setObjectName(u"bodyInfo"_qs);
    m_bodyInfo->setForegroundRole(QPalette::PlaceholderText);

    auto *bodyPage = new QWidget;
    auto *bodyLayout = new QVBoxLayout(bodyPage);
    bodyLayout->setContentsMargins(0, 4, 0, 0);
    bodyLayout->addWidget(m_bodyInfo);
    bodyLayout->addWidget(m_body, 1);

    m_headers = new QTableWidget(0, 2);
    m_headers->setObjectName(u"headers"_qs);
    m_headers->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_headers->setWordWrap(false);

    m_tabs = new QTabWidget;
    m_tabs->addTab(bodyPage, tr("Body"));
    m_tabs->addTab(m_headers, tr("Headers"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_status);
    layout->addWidget(m_summary);
    layout->addWidget(m_error);
    layout->addWidget(m_tabs, 1);
    clear();
}

void ResponseView::clear()
{
    m_statusCode = 0;
    m_outcome = Outcome::Success;
    m_hasError = false;
    m_kind = BodyKind::Empty;
    m_status->setText(tr("No response yet"));
    m_summary->setText(tr("Press Send (Ctrl+Enter) to see the function's answer here."));
    m_error->clear();
    m_error->hide();
    m_body->clear();
    m_bodyInfo->clear();
    m_headers->setRowCount(0);
    applyColours();
}

void ResponseView::showPending(const QString &requestId)
{
    clear();
    m_status->setText(tr("Waiting…"));
    m_summary->setText(tr("Request %1 is on its way.").arg(requestId));
}

void ResponseView::showResponse(const Telemetry::InvocationRecord &record)
{
    m_statusCode = record.statusCode;
    m_outcome = outcomeOf(record);
    const QString reason = reasonPhrase(record.statusCode);
    const QString status = reason.isEmpty() ? QString::number(record.statusCode)
                                            : u"%1 %2"_qs.arg(record.statusCode).arg(reason);
    // FC answers a function error or a timeout with 200 and X-Fc-Error-Type: lead with the
    // outcome so it never reads as a success.
    if (record.error)
        m_status->setText(tr("%1 · %2 (HTTP %3)")
                              .arg(outcomeName(m_outcome), record.error->code)
                              .arg(record.statusCode));
    else if (m_outcome == Outcome::PlatformError)
        m_status->setText(tr("%1 · %2").arg(outcomeName(m_outcome), status));
    else
        m_status->setText(status);

    QStringList parts;
    parts << (record.coldStart ? tr("Cold start") : tr("Warm"));
    parts << tr("%1 total").arg(formatDuration(record.timings.totalMs));
    parts << tr("invoke %1").arg(formatDuration(record.timings.invokeMs));
    if (record.billing.billedDurationMs > 0)
        parts << tr("billed %1 ms").arg(record.billing.billedDurationMs);
    if (record.memorySizeMB > 0) {
        // How it was measured, in short: the kernel's cgroup, or fcemu's poller.
        QString how;
        if (record.memoryAccounting == u"cgroup-v1"_qs)
            how = tr(" (kernel cgroup v1)");
        else if (record.memoryAccounting == u"cgroup-v2"_qs)
            how = tr(" (kernel cgroup v2)");
        else if (record.memoryAccounting == u"polling"_qs)
            how = tr(" (polled)");
        parts << tr("memory %1 of %2 MB%3")
                     .arg(formatMegabytes(record.maxUsedMB))
                     .arg(record.memorySizeMB)
                     .arg(how);
    }
    parts << tr("cost %1").arg(formatMoney(record.billing.cost));
    QString ids = tr("Request %1").arg(record.requestId);
    if (!record.instanceId.isEmpty())
        ids += tr(" on instance %1").arg(record.instanceId);
    m_summary->setText(parts.join(u" · "_qs) + u'\n' + ids);

    m_hasError = record.error.has_value();
    if (record.error) {
        QString html = u"<b>%1</b>"_qs.arg(record.error->code.toHtmlEscaped());
        if (!record.error->message.isEmpty())
            html += u": "_qs + record.error->message.toHtmlEscaped();
        if (const auto explained = explainError(record.error->code)) {
            html += u"<br>"_qs + tr("<b>What happened:</b> %1").arg(explained->meaning);
            html += u"<br>"_qs + tr("<b>What to do:</b> %1").arg(explained->fix);
        }
        m_error->setText(html);
        m_error->show();
    } else {
        m_error->clear();
        m_error->hide();
    }

    m_kind = classifyBody(record.body);
    m_body->setPlainText(formatBody(record.body, m_kind));
    switch (m_kind) {
    case BodyKind::Empty:
        m_bodyInfo->setText(tr("Empty body"));
        break;
    case BodyKind::Json:
        m_bodyInfo->setText(tr("JSON, %1 (pretty-printed)").arg(sizeText(record.body.size())));
        break;
    case BodyKind::Text:
        m_bodyInfo->setText(tr("Text, %1").arg(sizeText(record.body.size())));
        break;
    case BodyKind::Binary:
        m_bodyInfo->setText(tr("Binary, %1 (hex dump)").arg(sizeText(record.body.size())));
        break;
    }
    // Plain text and hex are not JSON: keep the highlighter from colouring digits in them.
    m_highlighter->setDocument(m_kind == BodyKind::Json ? m_body->document() : nullptr);

    m_headers->setRowCount(0);
    m_headers->setRowCount(int(record.responseHeaders.size()));
    for (int row = 0; row < record.responseHeaders.size(); ++row) {
        const auto &[name, value] = record.responseHeaders[row];
        m_headers->setItem(row, 0, new QTableWidgetItem(QString::fromUtf8(name)));
        m_headers->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(value)));
    }
    m_headers->resizeColumnToContents(0);
    m_tabs->setTabText(1, tr("Headers (%1)").arg(record.responseHeaders.size()));
    applyColours();
}

QString ResponseView::statusText() const
{
    return m_status->text();
}

QColor ResponseView::statusColour() const
{
    return m_status->palette().color(QPalette::WindowText);
}

QString ResponseView::summaryText() const
{
    return m_summary->text();
}

QString ResponseView::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString ResponseView::bodyText() const
{
    return m_body->toPlainText();
}

void ResponseView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColours();
}

void ResponseView::applyColours()
{
    QPalette statusPalette = palette();
    if (m_statusCode > 0)
        statusPalette.setColor(QPalette::WindowText,
                               m_outcome == Outcome::Success || m_statusCode >= 400
                                   ? statusColor(m_statusCode, palette())
                                   : outcomeColor(m_outcome, palette()));
    m_status->setPalette(statusPalette);

    // The error box: a tint of the error colour behind normal text reads on both palettes.
    QPalette errorPalette = palette();
    QColor tint = statusColor(500, palette());
    tint.setAlpha(isDarkPalette(palette()) ? 60 : 30);
    const QColor base = palette().color(QPalette::Window);
    const auto mix = [&](int a, int b) {
        return (a * (255 - tint.alpha()) + b * tint.alpha()) / 255;
    };
    errorPalette.setColor(QPalette::Window,
                          QColor(mix(base.red(), tint.red()), mix(base.green(), tint.green()),
                                 mix(base.blue(), tint.blue())));
    m_error->setPalette(errorPalette);
    m_highlighter->setPalette(palette());
}

} // namespace Fcemu::Ui
