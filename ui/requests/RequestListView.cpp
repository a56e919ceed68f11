#include "RequestListView.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "CurlCommand.h"
#include "RequestModel.h"
#include "WaterfallDelegate.h"
#include "common/Format.h"
#include "session/FunctionSession.h"

namespace Fcemu::Ui {

namespace {

// The length a record's bar stands for: its phases, or its total when that is longer.
double barLengthMs(const Telemetry::InvocationRecord &record)
{
    double sum = 0;
    for (const PhaseSpan &span : phasesOf(record))
        sum += span.ms;
    return std::max(sum, record.timings.totalMs);
}

} // namespace

RequestListView::RequestListView(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_model(new RequestModel(session->records(), this)),
      m_proxy(new QSortFilterProxyModel(this)), m_filter(new QLineEdit(this)),
      m_followButton(new QToolButton(this)),
      m_copyIdAction(new QAction(tr("Copy request id"), this)),
      m_copyCurlAction(new QAction(tr("Copy as curl"), this)), m_count(new QLabel(this)),
      m_table(new QTableView(this)), m_scaleLabel(new QTimer(this))
{
    m_scaleLabel->setSingleShot(true);
    m_scaleLabel->setInterval(0);
    connect(m_scaleLabel, &QTimer::timeout, this,
            [this]() { m_model->setTimelineScaleMs(scaleMs()); });
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RequestModel::SortRole);
    m_proxy->setFilterRole(RequestModel::FilterRole);
    m_proxy->setFilterKeyColumn(RequestModel::Time);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_filter->setPlaceholderText(
        tr("Filter: request id, kind, status, method or path, error code"));
    m_filter->setClearButtonEnabled(true);
    m_followButton->setText(tr("Follow newest"));
    m_followButton->setToolTip(
        tr("Make each new request current as it finishes, so the inspectors show the latest "
           "call. Picking a row switches this off."));
    m_followButton->setCheckable(true);
    m_followButton->setChecked(true);
    m_count->setTextFormat(Qt::PlainText);

    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    // Uniform row heights: with a fixed vertical header the view never measures a row, which
    // keeps 10,000 rows as cheap as 10.
    QHeaderView *vertical = m_table->verticalHeader();
    vertical->setSectionResizeMode(QHeaderView::Fixed);
    vertical->setDefaultSectionSize(fontMetrics().height() + 6);
    vertical->hide();
    QHeaderView *header = m_table->horizontalHeader();
    header->setStretchLastSection(true);
    header->setHighlightSections(false);
    // No sort until the user clicks a header: the store's order (oldest first) is the default.
    header->setSortIndicator(-1, Qt::AscendingOrder);
    m_table->setSortingEnabled(true);
    m_table->setItemDelegateForColumn(RequestModel::Timeline,
                                      new WaterfallDelegate([this]() { return scaleMs(); }, this));
    layoutColumns();

    m_copyIdAction->setShortcut(QKeySequence::Copy);
    m_copyIdAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_copyCurlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_copyCurlAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(m_copyIdAction);
    m_table->addAction(m_copyCurlAction);

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(2, 2, 6, 0);
    bar->addWidget(m_filter, 1);
    bar->addWidget(m_followButton);
    bar->addWidget(m_count);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    m_table->viewport()->installEventFilter(this);
    m_table->installEventFilter(this);

    connect(m_filter, &QLineEdit::textChanged, this, &RequestListView::applyFilter);
    connect(m_followButton, &QToolButton::toggled, this, &RequestListView::setFollowingNewest);
    connect(m_copyIdAction, &QAction::triggered, this, &RequestListView::copyRequestId);
    connect(m_copyCurlAction, &QAction::triggered, this, &RequestListView::copyCurl);
    connect(m_table, &QWidget::customContextMenuRequested, this, &RequestListView::showContextMenu);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RequestListView::currentChanged);

    // The proxy connected to the model first, so it has mapped a new row by the time this runs.
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                if (!m_scaleDirty) {
                    for (int row = first; row <= last; ++row)
                        m_scaleMs = std::max(m_scaleMs, barLengthMs(*m_model->record(row)));
                }
                updateScaleLabel();
                if (m_follow)
                    followNewest();
            });
    const auto rescale = [this]() {
        m_scaleDirty = true;
        m_table->viewport()->update();
        updateScaleLabel();
    };
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, rescale);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, rescale);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this, rescale]() {
        rescale();
        // A reset clears the current index without a signal (QItemSelectionModel::reset blocks
        // its signals): say it here.
        currentChanged();
        updateCount();
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &RequestListView::updateCount);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &RequestListView::updateCount);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &RequestListView::updateCount);
    updateCount();
    if (m_model->rowCount() > 0)
        followNewest();
}

const Telemetry::InvocationRecord *RequestListView::currentRecord() const
{
    const QModelIndex index = m_proxy->mapToSource(m_table->currentIndex());
    return index.isValid() ? m_model->record(index.row()) : nullptr;
}

QString RequestListView::currentCurlCommand() const
{
    const Telemetry::InvocationRecord *record = currentRecord();
    return record ? curlCommand(*record, *m_session) : QString();
}

void RequestListView::setFollowingNewest(bool follow)
{
    m_follow = follow;
    if (m_followButton->isChecked() != follow) {
        const QSignalBlocker blocker(m_followButton);
        m_followButton->setChecked(follow);
    }
    if (follow)
        followNewest();
}

void RequestListView::selectRequest(const QString &requestId)
{
    const int row = m_model->rowOf(requestId);
    if (row < 0)
        return;
    setFollowingNewest(false);
    if (!m_proxy->mapFromSource(m_model->index(row, 0)).isValid())
        m_filter->clear();
    setCurrentSourceRow(row);
}

bool RequestListView::eventFilter(QObject *watched, QEvent *event)
{
    // A click on a row or keyboard navigation is the user picking a request: stop following.
    if (watched == m_table->viewport() && event->type() == QEvent::MouseButtonPress) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        if (m_table->indexAt(mouse->position().toPoint()).isValid())
            setFollowingNewest(false);
    } else if (watched == m_table && event->type() == QEvent::KeyPress) {
        switch (static_cast<QKeyEvent *>(event)->key()) {
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_PageUp:
        case Qt::Key_PageDown:
        case Qt::Key_Home:
        case Qt::Key_End:
            setFollowingNewest(false);
            break;
        default:
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void RequestListView::applyFilter(const QString &text)
{
    // Refiltering can move the current row more than once (the selection model picks a
    // neighbour of a hidden row, then following picks the newest): announce only the end result.
    m_holdCurrent = true;
    m_proxy->setFilterFixedString(text.trimmed());
    m_scaleDirty = true;
    updateScaleLabel();
    updateCount();
    if (m_follow)
        followNewest();
    else if (m_table->currentIndex().isValid())
        m_table->scrollTo(m_table->currentIndex());
    m_holdCurrent = false;
    currentChanged();
}

void RequestListView::followNewest()
{
    // The newest record the filter lets through.
    for (int row = m_model->rowCount() - 1; row >= 0; --row) {
        if (m_proxy->mapFromSource(m_model->index(row, 0)).isValid()) {
            setCurrentSourceRow(row);
            return;
        }
    }
}

void RequestListView::setCurrentSourceRow(int row)
{
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

void RequestListView::currentChanged()
{
    if (m_holdCurrent)
        return;
    const QModelIndex index = m_proxy->mapToSource(m_table->currentIndex());
    const Telemetry::InvocationRecord *record =
        index.isValid() ? m_model->record(index.row()) : nullptr;
    const quint64 serial = record ? m_model->store()->serialAt(index.row()) : 0;
    if (serial == m_currentSerial)
        return;
    m_currentSerial = serial;
    emit currentRecordChanged(record);
}

void RequestListView::layoutColumns()
{
    const QFontMetrics metrics = fontMetrics();
    const auto width = [&metrics](const QString &sample) {
        return metrics.horizontalAdvance(sample) + 24;
    };
    QHeaderView *header = m_table->horizontalHeader();
    header->resizeSection(RequestModel::Time, width(u"00:00:00.000"_qs));
    header->resizeSection(RequestModel::RequestId, width(u"1-6603951e-157f3f32-7fe6f248d7d0"_qs));
    header->resizeSection(RequestModel::Kind, width(u"http GET /path?q"_qs));
    header->resizeSection(RequestModel::ColdWarm, width(tr("Cold/Warm")));
    header->resizeSection(RequestModel::Status, width(u"502 FunctionTimeout"_qs));
    header->resizeSection(RequestModel::Duration, width(u"1234.5 ms"_qs));
    header->resizeSection(RequestModel::MaxMemory, width(tr("Max memory")));
    header->resizeSection(RequestModel::Cost, width(u"$0.0000000241"_qs));
    header->resizeSection(RequestModel::Timeline, 120);
}

void RequestListView::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_table->indexAt(pos);
    if (!index.isValid())
        return;
    if (index.row() != m_table->currentIndex().row()) {
        setFollowingNewest(false);
        m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                              QItemSelectionModel::Rows);
    }
    const bool curl = !currentCurlCommand().isEmpty();
    m_copyCurlAction->setEnabled(curl);
    m_copyCurlAction->setText(curl ? tr("Copy as curl") : tr("Copy as curl (no local endpoint)"));
    QMenu menu(this);
    menu.addAction(m_copyCurlAction);
    menu.addAction(m_copyIdAction);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
    m_copyCurlAction->setEnabled(true);
}

void RequestListView::copyRequestId()
{
    if (const Telemetry::InvocationRecord *record = currentRecord())
        QGuiApplication::clipboard()->setText(record->requestId);
}

void RequestListView::copyCurl()
{
    const QString command = currentCurlCommand();
    if (!command.isEmpty())
        QGuiApplication::clipboard()->setText(command);
}

void RequestListView::updateCount()
{
    const int shown = m_proxy->rowCount();
    const int total = m_model->rowCount();
    const QString requests = total == 1 ? tr("1 request") : tr("%1 requests").arg(total);
    m_count->setText(shown == total ? requests : tr("%1 of %2").arg(shown).arg(requests));
}

void RequestListView::updateScaleLabel()
{
    m_scaleLabel->start();
}

double RequestListView::scaleMs()
{
    if (m_scaleDirty) {
        m_scaleMs = 0;
        for (int row = 0; row < m_proxy->rowCount(); ++row) {
            const QModelIndex source = m_proxy->mapToSource(m_proxy->index(row, 0));
            m_scaleMs = std::max(m_scaleMs, barLengthMs(*m_model->record(source.row())));
        }
        m_scaleDirty = false;
    }
    return m_scaleMs;
}

} // namespace Fcemu::Ui
