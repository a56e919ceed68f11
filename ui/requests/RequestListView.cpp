#include "RequestListView.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QGridLayout>
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
#include "compare/ImportedRunsView.h"
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

// The filter text (over RequestModel::FilterRole) and an outcome choice together.
class RequestFilterProxy final : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    // -1: every row; -2: every failed row; otherwise an Outcome.
    void setOutcome(int outcome)
    {
        if (outcome == m_outcome)
            return;
        m_outcome = outcome;
        invalidateRowsFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        if (m_outcome != -1) {
            const QModelIndex index = sourceModel()->index(row, 0, parent);
            if (m_outcome == -2) {
                if (!index.data(RequestModel::ErrorRole).toBool())
                    return false;
            } else if (index.data(RequestModel::OutcomeRole).toInt() != m_outcome) {
                return false;
            }
        }
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }

private:
    int m_outcome = -1;
};

} // namespace

RequestListView::RequestListView(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_model(new RequestModel(session->records(), this)),
      m_proxy(new RequestFilterProxy(this)), m_filter(new QLineEdit(this)),
      m_followButton(new QToolButton(this)),
      m_copyIdAction(new QAction(tr("Copy request id"), this)),
      m_copyCurlAction(new QAction(tr("Copy as curl"), this)), m_count(new QLabel(this)),
      m_outcome(new QComboBox(this)), m_empty(new QLabel(this)), m_table(new QTableView(this)),
      m_scaleLabel(new QTimer(this)), m_followLater(new QTimer(this))
{
    m_followLater->setSingleShot(true);
    m_followLater->setInterval(50);
    connect(m_followLater, &QTimer::timeout, this, [this]() {
        if (m_follow)
            followNewest();
    });
    m_scaleLabel->setSingleShot(true);
    m_scaleLabel->setInterval(0);
    connect(m_scaleLabel, &QTimer::timeout, this,
            [this]() { m_model->setTimelineScaleMs(scaleMs()); });
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RequestModel::SortRole);
    m_proxy->setFilterRole(RequestModel::FilterRole);
    m_proxy->setFilterKeyColumn(RequestModel::Time);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    // A short hint that fits a 1280 px screen's list; what it matches is in the tooltip.
    m_filter->setPlaceholderText(tr("Filter requests"));
    m_filter->setToolTip(tr("Show the requests whose id, kind, status, method or path, or "
                            "error code contain this text"));
    m_filter->setMinimumWidth(
        m_filter->fontMetrics().horizontalAdvance(m_filter->placeholderText()) + 40);
    m_filter->setClearButtonEnabled(true);
    m_followButton->setText(tr("Follow newest"));
    m_followButton->setToolTip(
        tr("Make each new request current as it finishes, so the inspectors show the latest "
           "call. Picking a row switches this off."));
    m_followButton->setCheckable(true);
    m_followButton->setChecked(true);
    m_count->setTextFormat(Qt::PlainText);
    m_outcome->setObjectName(u"outcomeFilter"_qs);
    m_outcome->setToolTip(tr("Show only calls with this outcome"));
    m_outcome->addItem(tr("All outcomes"), -1);
    m_outcome->addItem(tr("Errors"), -2);
    for (Outcome outcome : {Outcome::FunctionError, Outcome::Timeout, Outcome::PlatformError,
                            Outcome::HttpError, Outcome::Success})
        m_outcome->addItem(outcomeName(outcome), int(outcome));
    m_outcome->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto *clear = new QToolButton(this);
    clear->setObjectName(u"clearRequests"_qs);
    clear->setText(tr("Clear"));
    clear->setToolTip(tr("Remove every request, log line and instance lane (Ctrl+Shift+L)"));
    connect(clear, &QToolButton::clicked, this, &RequestListView::clearRequested);

    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Two rows (Ctrl+click) to compare them.
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
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
    placeWaterfall();

    m_empty->setObjectName(u"emptyState"_qs);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_empty->setParent(m_table->viewport());

    m_copyIdAction->setShortcut(QKeySequence::Copy);
    m_copyIdAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_copyCurlAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_copyCurlAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_table->addAction(m_copyIdAction);
    m_table->addAction(m_copyCurlAction);

    m_clear = clear;
    m_bar = new QGridLayout;
    m_bar->setContentsMargins(2, 2, 6, 0);
    m_bar->setColumnStretch(0, 1);
    layoutBar(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(m_bar);
    // The session's rows above, the runs imported from HAR files below (once there are some),
    // both the list's own children (tests and tools find the table as one).
    m_imported = new ImportedRunsView(this);
    m_imported->hide();
    layout->addWidget(m_table, 3);
    layout->addWidget(m_imported, 2);
    connect(m_imported, &ImportedRunsView::groupsChanged, this,
            [this]() { m_imported->setVisible(m_imported->groupCount() > 0); });
    m_compareAction = new QAction(tr("Compare Runs…"), this);
    m_compareAction->setObjectName(u"compareRuns"_qs);
    m_compareAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    m_compareAction->setShortcutContext(Qt::WindowShortcut);
    m_compareAction->setToolTip(tr("Two selected runs side by side: phases, headers, logs and "
                                   "cost (with one selected: choose the other)"));
    addAction(m_compareAction);
    connect(m_compareAction, &QAction::triggered, this, &RequestListView::compareSelected);

    m_table->viewport()->installEventFilter(this);
    m_table->installEventFilter(this);
    m_imported->viewport()->installEventFilter(this);
    connect(m_imported, &QWidget::customContextMenuRequested, this,
            &RequestListView::showImportedMenu);

    connect(m_filter, &QLineEdit::textChanged, this, &RequestListView::applyFilter);
    connect(m_outcome, &QComboBox::currentIndexChanged, this, [this]() {
        static_cast<RequestFilterProxy *>(m_proxy)->setOutcome(m_outcome->currentData().toInt());
        applyFilter(m_filter->text());
    });
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
                if (!m_follow || m_followLater->isActive())
                    return;
                if (m_lastFollow.isValid() && m_lastFollow.elapsed() < m_followLater->interval())
                    m_followLater->start();
                else
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
    connect(m_session, &Session::FunctionSession::loaded, this, &RequestListView::updateEmptyState);
    connect(m_session, &Session::FunctionSession::unloaded, this,
            &RequestListView::updateEmptyState);
    connect(m_session, &QObject::destroyed, this, [this]() { m_session = nullptr; });
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
    return record && m_session ? curlCommand(*record, *m_session) : QString();
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
    // A plain click in the session's rows or in the imported ones starts a new selection in
    // both (Ctrl or Shift adds to it, so one run of each can be picked for Compare).
    if (watched == m_table->viewport() && event->type() == QEvent::MouseButtonPress) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        if (m_table->indexAt(mouse->position().toPoint()).isValid())
            setFollowingNewest(false);
        if (!(mouse->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier)))
            m_imported->clearSelection();
    } else if (watched == m_imported->viewport() && event->type() == QEvent::MouseButtonPress) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        if (!(mouse->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier)))
            m_table->clearSelection();
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
    m_lastFollow.start();
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
    // A click on a selected row keeps the selection (two rows to compare).
    if (!m_table->selectionModel()->isRowSelected(index.row(), {})) {
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
    menu.addSeparator();
    if (const Telemetry::InvocationRecord *record = currentRecord()) {
        const QString id = record->requestId;
        menu.addAction(tr("Compare Other Calls with This One (Timing)"), this,
                       [this, id]() { emit compareWithRequested(id); });
        menu.addAction(tr("Automatic Comparison (Cold with Warm)"), this,
                       [this]() { emit compareWithRequested(QString()); });
        menu.addSeparator();
        const QModelIndex source = m_proxy->mapToSource(index);
        addCompareActions(menu, {m_model->record(source.row()), tr("This session"), true});
    }
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

QString RequestListView::emptyText() const
{
    return m_empty->isHidden() ? QString() : m_empty->text();
}

void RequestListView::layoutBar(bool twoRows)
{
    // One row: filter, outcome, Follow newest, count, Clear. Two rows (a narrow list: a small
    // screen or QT_SCALE_FACTOR=2): the filter and the count, then the rest.
    m_twoRowBar = twoRows;
    for (QWidget *w : {static_cast<QWidget *>(m_filter), static_cast<QWidget *>(m_outcome),
                       static_cast<QWidget *>(m_followButton), static_cast<QWidget *>(m_count),
                       static_cast<QWidget *>(m_clear)})
        m_bar->removeWidget(w);
    m_bar->addWidget(m_filter, 0, 0);
    if (twoRows) {
        m_bar->addWidget(m_count, 0, 1, 1, 3);
        m_bar->addWidget(m_outcome, 1, 0);
        m_bar->addWidget(m_followButton, 1, 1);
        m_bar->addWidget(m_clear, 1, 2);
    } else {
        m_bar->addWidget(m_outcome, 0, 1);
        m_bar->addWidget(m_followButton, 0, 2);
        m_bar->addWidget(m_count, 0, 3);
        m_bar->addWidget(m_clear, 0, 4);
    }
    m_bar->setColumnStretch(0, twoRows ? 0 : 1);
}

int RequestListView::oneRowBarWidth() const
{
    int width = 8 + 4 * m_bar->horizontalSpacing();
    for (const QWidget *w : {static_cast<QWidget *>(m_filter), static_cast<QWidget *>(m_outcome),
                             static_cast<QWidget *>(m_followButton),
                             static_cast<QWidget *>(m_count), static_cast<QWidget *>(m_clear)})
        width += std::max(w->minimumSizeHint().width(), w->minimumWidth());
    return width + m_count->fontMetrics().horizontalAdvance(u"0000 of 10000 requests"_qs) -
           m_count->minimumSizeHint().width();
}

void RequestListView::placeWaterfall()
{
    // The waterfall right after the status, so it is on screen however wide the list is; the
    // long request id goes last and takes what is left. A list too narrow for time, cold/warm
    // and status before it (640 px at QT_SCALE_FACTOR=2) has it right after the time.
    using M = RequestModel;
    QHeaderView *header = m_table->horizontalHeader();
    const int before = header->sectionSize(M::Time) + header->sectionSize(M::ColdWarm) +
                       header->sectionSize(M::Status) + header->sectionSize(M::Timeline);
    const bool narrow = m_table->viewport()->width() > 0 && m_table->viewport()->width() < before;
    const QList<int> order =
        narrow ? QList<int>{M::Time,      M::Timeline, M::ColdWarm, M::Status,   M::Duration,
                            M::MaxMemory, M::Cost,     M::Kind,     M::RequestId}
               : QList<int>{M::Time,      M::ColdWarm, M::Status, M::Timeline, M::Duration,
                            M::MaxMemory, M::Cost,     M::Kind,   M::RequestId};
    for (int visual = 0; visual < order.size(); ++visual) {
        if (header->visualIndex(order.at(visual)) != visual)
            header->moveSection(header->visualIndex(order.at(visual)), visual);
    }
}

void RequestListView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    placeWaterfall();
    const bool twoRows = width() < oneRowBarWidth();
    if (twoRows != m_twoRowBar)
        layoutBar(twoRows);
    updateEmptyState();
}

void RequestListView::updateEmptyState()
{
    if (m_proxy->rowCount() > 0) {
        m_empty->hide();
        return;
    }
    if (m_model->rowCount() > 0)
        m_empty->setText(tr("No request matches the filter.\nClear the filter box or choose "
                            "\"All outcomes\"."));
    else if (!m_session || !m_session->isLoaded())
        m_empty->setText(tr("No function loaded.\nOpen an image with File ▸ Open Image (Ctrl+O) "
                            "or drop a .tar here."));
    else
        m_empty->setText(tr("No requests yet.\nPress Ctrl+Enter to send the Invoke panel's "
                            "request; each call appears here with its phases."));
    m_empty->setGeometry(m_table->viewport()->rect().adjusted(12, 12, -12, -12));
    m_empty->show();
}

void RequestListView::updateCount()
{
    updateEmptyState();
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
