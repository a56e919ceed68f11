#include "LogsInspector.h"

#include <algorithm>
#include <limits>
#include <optional>

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPainter>
#include <QScrollBar>
#include <QStandardItemModel>
#include <QTextLayout>
#include <QToolButton>
#include <QVBoxLayout>

#include "inspectors/logs/LogModel.h"
#include "session/FunctionSession.h"
#include "common/Format.h"

namespace Fcemu::Ui {

namespace {

constexpr int kBarWidth = 3;
constexpr int kPadding = 6;

QColor kindColor(LogKind kind, const QPalette &palette)
{
    const bool dark = isDarkPalette(palette);
    switch (kind) {
    case LogKind::Framing:
        return dark ? QColor(0x6c, 0xa8, 0xf0) : QColor(0x1f, 0x5f, 0xb8);
    case LogKind::Error:
        return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x1c, 0x28);
    case LogKind::Summary:
        return dark ? QColor(0x9c, 0xc7, 0x8a) : QColor(0x3d, 0x7a, 0x2a);
    case LogKind::Output:
        break;
    }
    return palette.color(QPalette::Text);
}

// "14:03:27.512" in local time. The offset is taken once a minute: converting every painted
// row through QDateTime's time zone code showed in profiles of a scrolling 10,000 lines/s log.
QString clockText(qint64 epochMs)
{
    static qint64 offsetMs = 0;
    static std::optional<qint64> offsetTakenMs; // none yet
    if (!offsetTakenMs || epochMs - *offsetTakenMs > 60'000 || epochMs < *offsetTakenMs) {
        offsetMs = qint64(QDateTime::fromMSecsSinceEpoch(epochMs).offsetFromUtc()) * 1000;
        offsetTakenMs = epochMs;
    }
    const qint64 day = 24 * 3600 * 1000;
    const qint64 local = ((epochMs + offsetMs) % day + day) % day;
    const auto two = [](qint64 v) { return QString::number(v).rightJustified(2, u'0'); };
    return two(local / 3'600'000) + u':' + two(local / 60'000 % 60) + u':' +
           two(local / 1000 % 60) + u'.' + QString::number(local % 1000).rightJustified(3, u'0');
}

QString shortInstanceId(const QString &id)
{
    // "c-6603951e-15f440b6-2df37e4bf046" → "c-…2df37e4bf046": the random tail tells instances
    // apart, the time-based middle groups mostly repeat.
    const qsizetype dash = id.lastIndexOf(u'-');
    return dash > 0 ? id.left(2) + u"…"_qs + id.mid(dash + 1) : id;
}

} // namespace

LogLineDelegate::LogLineDelegate(QObject *parent) : QStyledItemDelegate(parent)
{
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
}

void LogLineDelegate::setFont(const QFont &font)
{
    m_font = font;
    m_boldFont = font;
    m_boldFont.setBold(true);
}

QSize LogLineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    Q_UNUSED(option);
    const QFontMetrics metrics(m_boldFont);
    // Every row is this big (the view uses uniform item sizes, so this is asked once).
    const QString text = index.data(LogModel::TextRole).toString();
    int width =
        kBarWidth + 2 * kPadding +
        std::max(metrics.horizontalAdvance(text), metrics.horizontalAdvance(u'M') * m_columns);
    if (m_showTimestamps)
        width += metrics.horizontalAdvance(u"00:00:00.000  "_qs);
    return {width, metrics.height() + 4};
}

void LogLineDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    const QPalette &palette = option.palette;
    const auto kind = LogKind(index.data(LogModel::KindRole).toInt());
    const bool selected = option.state & QStyle::State_Selected;
    const QRect rect = option.rect;

    painter->save();
    if (selected) {
        painter->fillRect(rect, palette.color(QPalette::Highlight));
    } else if (kind == LogKind::Framing || kind == LogKind::Error) {
        QColor band = kindColor(kind, palette);
        band.setAlpha(isDarkPalette(palette) ? 40 : 22);
        painter->fillRect(rect, band);
    }
    if (kind != LogKind::Output)
        painter->fillRect(QRect(rect.left(), rect.top(), kBarWidth, rect.height()),
                          kindColor(kind, palette));

    const QColor textColor =
        selected ? palette.color(QPalette::HighlightedText) : kindColor(kind, palette);
    const QFont &font = kind == LogKind::Output || kind == LogKind::Summary ? m_font : m_boldFont;
    painter->setFont(font);
    const QFontMetrics metrics(font);
    int x = rect.left() + kBarWidth + kPadding;
    const int baseline = rect.top() + (rect.height() - metrics.height()) / 2 + metrics.ascent();

    if (m_showTimestamps) {
        const QString stamp = clockText(index.data(LogModel::TimestampRole).toLongLong());
        QColor dim = selected ? palette.color(QPalette::HighlightedText)
                              : palette.color(QPalette::PlaceholderText);
        painter->setPen(dim);
        painter->setFont(m_font);
        painter->drawText(x, baseline, stamp);
        x += QFontMetrics(m_font).horizontalAdvance(stamp + u"  "_qs);
        painter->setFont(font);
    }

    const QString text = index.data(LogModel::TextRole).toString();
    painter->setPen(textColor);
    if (m_search.isEmpty() || !text.contains(m_search, Qt::CaseInsensitive)) {
        painter->drawText(x, baseline, text);
        painter->restore();
        return;
    }

    // Matches: a QTextLayout with format ranges, so the highlight follows the glyphs exactly.
    QList<QTextLayout::FormatRange> ranges;
    QTextCharFormat match;
    match.setBackground(isDarkPalette(palette) ? QColor(0xc9, 0xa2, 0x27)
                                               : QColor(0xff, 0xe0, 0x66));
    match.setForeground(QColor(0x11, 0x11, 0x11));
    for (qsizetype at = text.indexOf(m_search, 0, Qt::CaseInsensitive); at >= 0;
         at = text.indexOf(m_search, at + m_search.size(), Qt::CaseInsensitive))
        ranges.append({int(at), int(m_search.size()), match});
    QTextLayout layout(text, font, painter->device());
    QTextOption textOption;
    textOption.setWrapMode(QTextOption::NoWrap);
    layout.setTextOption(textOption);
    layout.setFormats(ranges);
    layout.beginLayout();
    QTextLine line = layout.createLine();
    line.setLineWidth(1e6);
    layout.endLayout();
    layout.draw(painter, QPointF(x, baseline - metrics.ascent()));
    painter->restore();
}

LogsInspector::LogsInspector(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_model(new LogModel(this)), m_filter(new LogFilterModel(this)),
      m_delegate(new LogLineDelegate(this)), m_view(new QListView(this)),
      m_search(new QLineEdit(this)), m_matchLabel(new QLabel(this)),
      m_filterCombo(new QComboBox(this)), m_timestamps(new QToolButton(this))
{
    // A short hint that fits a narrow dock; the keys are in the tooltip.
    m_search->setPlaceholderText(tr("Search logs"));
    m_search->setToolTip(tr("Search the log (Enter: next match, Shift+Enter: previous)"));
    m_search->setMinimumWidth(
        m_search->fontMetrics().horizontalAdvance(m_search->placeholderText()) + 40);
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);
    m_matchLabel->setMinimumWidth(
        m_matchLabel->fontMetrics().horizontalAdvance(u"00000 / 00000"_qs));

    m_filterCombo->addItem(tr("All lines"));
    m_filterCombo->addItem(tr("Selected request"));
    m_filterCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    if (auto *items = qobject_cast<QStandardItemModel *>(m_filterCombo->model()))
        items->item(1)->setEnabled(false);

    m_timestamps->setText(tr("Timestamps"));
    m_timestamps->setCheckable(true);
    m_timestamps->setChecked(true);
    auto *clear = new QToolButton(this);
    clear->setText(tr("Clear"));
    clear->setToolTip(tr("Remove every line from the log"));

    setShownModel(m_model);
    m_view->setItemDelegate(m_delegate);
    m_view->setUniformItemSizes(true);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    auto *copy = new QAction(tr("Copy"), m_view);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    m_view->addAction(copy);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(copy, &QAction::triggered, this,
            [this] { QGuiApplication::clipboard()->setText(selectedText()); });

    auto *toolbar = new QHBoxLayout;
    toolbar->setContentsMargins(0, 0, 0, 0);
    toolbar->addWidget(m_search, 1);
    toolbar->addWidget(m_matchLabel);
    toolbar->addWidget(m_filterCombo);
    toolbar->addWidget(m_timestamps);
    toolbar->addWidget(clear);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(toolbar);
    layout->addWidget(m_view, 1);

    QScrollBar *bar = m_view->verticalScrollBar();
    // Following is decided by where the user leaves the scroll bar: at the bottom it follows,
    // anywhere else it stays put. A growing range keeps a following view at the bottom.
    connect(bar, &QScrollBar::valueChanged, this,
            [this, bar](int value) { m_following = value >= bar->maximum(); });
    connect(bar, &QScrollBar::rangeChanged, this, [this, bar](int, int max) {
        if (m_following)
            bar->setValue(max);
    });

    connect(m_search, &QLineEdit::textChanged, this, &LogsInspector::setSearchText);
    connect(m_filterCombo, &QComboBox::currentIndexChanged, this, &LogsInspector::applyFilter);
    connect(m_timestamps, &QToolButton::toggled, this, &LogsInspector::setShowTimestamps);
    connect(clear, &QToolButton::clicked, m_model, &LogModel::clear);
    connect(m_model, &LogModel::instanceSeen, this, [this](const QString &id) {
        m_filterCombo->addItem(tr("Instance %1").arg(shortInstanceId(id)), id);
    });
    if (session)
        connect(session, &Session::FunctionSession::logLine, m_model, &LogModel::appendLine);
}

QString LogsInspector::selectedText() const
{
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end());
    QStringList lines;
    for (const QModelIndex &index : rows)
        lines << shownText(index.row());
    return lines.join(u'\n');
}

void LogsInspector::setSearchText(const QString &text)
{
    if (m_search->text() != text)
        m_search->setText(text); // comes back here through textChanged
    m_delegate->setSearchText(text);
    m_currentMatch = -1;
    m_view->viewport()->update();
    updateMatchCount();
}

void LogsInspector::setShowTimestamps(bool show)
{
    if (m_timestamps->isChecked() != show)
        m_timestamps->setChecked(show);
    m_delegate->setShowTimestamps(show);
    m_view->doItemsLayout();
    m_view->viewport()->update();
}

void LogsInspector::setFilterIndex(int index)
{
    m_filterCombo->setCurrentIndex(index);
}

bool LogsInspector::showLine(qint64 timestampMs, const QString &text)
{
    m_model->flush();
    const auto find = [&]() {
        const QAbstractItemModel *shown = m_view->model();
        for (int row = shown->rowCount() - 1; row >= 0; --row) {
            const QModelIndex index = shown->index(row, 0);
            if (index.data(LogModel::TimestampRole).toLongLong() == timestampMs &&
                index.data(LogModel::TextRole).toString() == text)
                return row;
        }
        return -1;
    };
    int row = find();
    if (row < 0 && m_filterCombo->currentIndex() != 0) {
        setFilterIndex(0);
        row = find();
    }
    if (row < 0)
        return false;
    m_following = false;
    const QModelIndex index = m_view->model()->index(row, 0);
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
    return true;
}

void LogsInspector::setSelectedRequest(const QString &requestId)
{
    m_selectedRequest = requestId;
    if (auto *items = qobject_cast<QStandardItemModel *>(m_filterCombo->model()))
        items->item(1)->setEnabled(!requestId.isEmpty());
    if (m_filterCombo->currentIndex() == 1)
        applyFilter();
}

void LogsInspector::applyFilter()
{
    const int index = m_filterCombo->currentIndex();
    // With nothing filtered the view shows the log model itself: a proxy over 100,000 rows
    // costs a pass over its mapping for every batch appended and every batch dropped.
    if (index <= 0) {
        m_filter->setSourceModel(nullptr);
        setShownModel(m_model);
    } else if (m_filter->sourceModel() != m_model) {
        m_filter->setSourceModel(m_model);
        setShownModel(m_filter);
    }
    m_filter->setRequestFilter(index == 1 ? m_selectedRequest : QString());
    m_filter->setInstanceFilter(index >= 2 ? m_filterCombo->itemData(index).toString() : QString());
    // "Selected request" with nothing selected shows nothing rather than everything.
    if (index == 1 && m_selectedRequest.isEmpty())
        m_filter->setRequestFilter(u"\u0001"_qs);
    m_currentMatch = -1;
    m_following = true;
    m_view->scrollToBottom();
    updateMatchCount();
}

void LogsInspector::setShownModel(QAbstractItemModel *model)
{
    if (m_view->model() == model)
        return;
    if (QAbstractItemModel *old = m_view->model())
        disconnect(old, nullptr, this, nullptr);
    // setModel() makes a new selection model and leaves the old one to its owner.
    QItemSelectionModel *oldSelection = m_view->selectionModel();
    m_view->setModel(model);
    if (oldSelection && oldSelection != m_view->selectionModel())
        oldSelection->deleteLater();
    // Matches are counted as rows come and go, so a live log never rescans all of itself.
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                widenFor(first, last);
                if (m_following)
                    m_view->scrollToBottom();
                if (!m_search->text().isEmpty()) {
                    m_matchCount += countMatches(first, last);
                    updateMatchLabel();
                }
            });
    connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this](const QModelIndex &, int first, int last) {
                if (!m_search->text().isEmpty())
                    m_matchCount -= countMatches(first, last);
                if (m_currentMatch >= first)
                    m_currentMatch =
                        m_currentMatch > last ? m_currentMatch - (last - first + 1) : -1;
            });
    connect(model, &QAbstractItemModel::rowsRemoved, this, &LogsInspector::updateMatchLabel);
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        m_currentMatch = -1;
        m_following = true;
        updateMatchCount();
    });
}

const QString &LogsInspector::shownText(int row) const
{
    if (m_view->model() == m_model)
        return m_model->lineAt(row).text;
    return m_model->lineAt(m_filter->mapToSource(m_filter->index(row, 0)).row()).text;
}

void LogsInspector::widenFor(int first, int last)
{
    int columns = m_delegate->columns();
    for (int row = first; row <= last; ++row)
        columns = std::max(columns, int(shownText(row).size()));
    if (columns == m_delegate->columns())
        return;
    m_delegate->setColumns(columns);
    // The view keeps the first row's size until it lays its items out again.
    m_view->doItemsLayout();
}

int LogsInspector::countMatches(int first, int last) const
{
    const QString text = m_search->text();
    int count = 0;
    for (int row = first; row <= last; ++row)
        if (shownText(row).contains(text, Qt::CaseInsensitive))
            ++count;
    return count;
}

void LogsInspector::updateMatchCount()
{
    m_matchCount =
        m_search->text().isEmpty() ? 0 : countMatches(0, m_view->model()->rowCount() - 1);
    updateMatchLabel();
}

void LogsInspector::updateMatchLabel()
{
    if (m_search->text().isEmpty())
        m_matchLabel->clear();
    else if (m_matchCount == 0)
        m_matchLabel->setText(tr("No matches"));
    else if (m_currentMatch < 0)
        m_matchLabel->setText(m_matchCount == 1 ? tr("1 match")
                                                : tr("%1 matches").arg(m_matchCount));
    else
        m_matchLabel->setText(tr("%1 of %2").arg(matchOrdinal()).arg(m_matchCount));
}

void LogsInspector::findNext()
{
    find(true);
}

void LogsInspector::find(bool forward)
{
    const QString text = m_search->text();
    QAbstractItemModel *shown = m_view->model();
    const int rows = shown->rowCount();
    if (text.isEmpty() || rows == 0)
        return;
    int start = m_currentMatch;
    if (start < 0 || start >= rows)
        start =
            m_view->currentIndex().isValid() ? m_view->currentIndex().row() : (forward ? -1 : rows);
    for (int step = 1; step <= rows; ++step) {
        const int row = ((forward ? start + step : start - step) % rows + rows) % rows;
        if (!shownText(row).contains(text, Qt::CaseInsensitive))
            continue;
        const QModelIndex index = shown->index(row, 0);
        m_currentMatch = row;
        m_view->setCurrentIndex(index);
        m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
        updateMatchLabel();
        return;
    }
}

int LogsInspector::matchOrdinal() const
{
    return m_currentMatch < 0 ? 0 : countMatches(0, m_currentMatch);
}

bool LogsInspector::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_search && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            find(!(key->modifiers() & Qt::ShiftModifier));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace Fcemu::Ui
