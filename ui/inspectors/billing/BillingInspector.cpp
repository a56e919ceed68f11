#include "BillingInspector.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "common/Format.h"
#include "config/FunctionConfig.h"
#include "inspectors/billing/WhatIfChart.h"
#include "session/FunctionSession.h"
#include "telemetry/InvocationRecord.h"

namespace Fcemu::Ui {

namespace {

Billing::BillingOptions optionsFor(Billing::Model model)
{
    Billing::BillingOptions options;
    options.model = model;
    return options;
}

Billing::Model modelOf(const Config::FunctionConfig &config)
{
    return config.billing == Config::BillingModel::Fc3 ? Billing::Model::Fc3 : Billing::Model::Fc2;
}

QString number(double value)
{
    // GB-s and CU with up to six decimals, trailing zeros trimmed: "0.0590", "10"
    QString text = QString::number(value, 'f', 6);
    while (text.contains(u'.') && (text.endsWith(u'0') || text.endsWith(u'.')))
        text.chop(1);
    return text;
}

QTableView *workingView(WorkingModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->verticalHeader()->hide();
    view->setShowGrid(false);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    // The amount is the point of a line: it always fits; the factor (the longest text) takes
    // the width left and wraps onto a second line rather than being cut ("× USD 0.2 / 1,000…").
    // A working has a dozen lines: rows sized to their contents cost nothing.
    view->setWordWrap(true);
    view->setFocusPolicy(Qt::NoFocus);
    view->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    QHeaderView *header = view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(WorkingModel::Factor, QHeaderView::Stretch);
    header->setStretchLastSection(false);
    // No column narrower than its title (the factor column was squeezed to "× F…").
    header->setMinimumSectionSize(header->fontMetrics().horizontalAdvance(u"= Amount"_qs) + 24);
    view->setTextElideMode(Qt::ElideNone);
    return view;
}

} // namespace

WorkingModel::WorkingModel(QObject *parent) : QAbstractTableModel(parent) {}

void WorkingModel::setLines(const QList<Billing::WorkingLine> &lines)
{
    beginResetModel();
    m_lines = lines;
    endResetModel();
}

int WorkingModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_lines.size());
}

int WorkingModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkingModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Billing::WorkingLine &line = m_lines.at(index.row());
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Item:
            return line.label;
        case Quantity:
            return line.quantity;
        case Factor:
            return line.factor;
        case Amount:
            return line.amount;
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() == Amount)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::FontRole && line.label == u"Total"_qs) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    return {};
}

QVariant WorkingModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Item:
        return tr("Item");
    case Quantity:
        return tr("Quantity");
    case Factor:
        return tr("× Factor");
    case Amount:
        return tr("= Amount");
    default:
        return {};
    }
}

QList<int> BillingInspector::whatIfSizes(int currentMB)
{
    QList<int> sizes;
    for (int mb = 128; mb <= 32768; mb *= 2)
        sizes.append(mb);
    if (currentMB > 0 && !sizes.contains(currentMB)) {
        sizes.append(currentMB);
        std::sort(sizes.begin(), sizes.end());
    }
    return sizes;
}

BillingInspector::BillingInspector(Session::FunctionSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_working(new WorkingModel(this)),
      m_sessionWorking(new WorkingModel(this)), m_title(new QLabel(this)),
      m_workingView(workingView(m_working, this)),
      m_sessionView(workingView(m_sessionWorking, this)),
      m_cpuBound(new QCheckBox(tr("CPU-bound (scales with vCPU)"), this)),
      m_chart(new WhatIfChart(this)),
      m_totals(optionsFor(session ? modelOf(session->config()) : Billing::Model::Fc2))
{
    m_title->setTextFormat(Qt::PlainText);
    m_title->setWordWrap(true);
    m_coldNote = new QLabel(this);
    m_coldNote->setObjectName(u"coldStartNote"_qs);
    m_coldNote->setTextFormat(Qt::PlainText);
    m_coldNote->setWordWrap(true);
    m_coldNote->hide();

    auto *totalsBox = new QGroupBox(tr("Session"), this);
    auto *grid = new QGridLayout;
    const QStringList fields = {u"Invocations"_qs, u"GB-s"_qs, u"Image pull GB-s"_qs, u"CU"_qs,
                                u"Cost"_qs};
    const QStringList captions = {tr("Invocations"), tr("GB-s"), tr("Image pull GB-s"),
                                  tr("Compute units"), tr("Cost")};
    for (int i = 0; i < fields.size(); ++i) {
        auto *caption = new QLabel(captions.at(i), totalsBox);
        auto *value = new QLabel(totalsBox);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        // One pair per row: two pairs side by side set a 380 px minimum on the dock, too
        // wide for the right-hand side of a 1280 px screen.
        grid->addWidget(caption, i, 0);
        grid->addWidget(value, i, 1);
        m_totalLabels.append({fields.at(i), value});
    }
    grid->setColumnStretch(1, 1);
    grid->setVerticalSpacing(2);
    totalsBox->setLayout(grid);

    // The request's working and the session's share one place: each needs the height.
    auto *tabs = new QTabWidget(this);
    tabs->addTab(m_workingView, tr("This request"));
    tabs->addTab(m_sessionView, tr("Session working"));
    tabs->setTabToolTip(1, tr("The session's totals, priced in one step from the exact sums"));

    auto *whatIfBox = new QGroupBox(tr("What if: other memory sizes"), this);
    whatIfBox->setToolTip(tr("The same call at other memory sizes"));
    auto *whatIfLayout = new QVBoxLayout(whatIfBox);
    m_cpuBound->setToolTip(tr("Off: the measured duration at every size (memory changes the "
                              "price only). On: the duration scales inversely with the vCPU "
                              "the size gets when the vCPU is not configured."));
    whatIfLayout->addWidget(m_cpuBound);
    whatIfLayout->addWidget(m_chart, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(m_coldNote);
    layout->addWidget(totalsBox);
    layout->addWidget(tabs, 3);
    layout->addWidget(whatIfBox, 4);

    connect(m_cpuBound, &QCheckBox::toggled, this, &BillingInspector::updateWhatIf);
    if (session) {
        connect(session, &Session::FunctionSession::invocationFinished, this,
                &BillingInspector::addInvocation);
        connect(session, &Session::FunctionSession::loaded, this,
                &BillingInspector::functionLoaded);
    }
    updateTotals();
    showRecord(nullptr);
}

BillingInspector::~BillingInspector() = default;

void BillingInspector::functionLoaded()
{
    const QString key = m_session->imagePath() + u'\n' + m_session->config().name;
    const Billing::Model model = modelOf(m_session->config());
    if (key != m_functionKey || model != m_totals.options().model)
        resetTotals(model);
    m_functionKey = key;
}

void BillingInspector::resetTotals(Billing::Model model)
{
    m_totals = Billing::SessionTotals(optionsFor(model));
    updateTotals();
}

void BillingInspector::addInvocation(const Telemetry::InvocationRecord &record)
{
    if (!m_totals.add(record.billing)) {
        resetTotals(record.billing.model);
        m_totals.add(record.billing);
    }
    updateTotals();
}

QString BillingInspector::totalsText(const QString &field) const
{
    for (const auto &[name, label] : m_totalLabels)
        if (name == field)
            return label->text();
    return {};
}

void BillingInspector::updateTotals()
{
    const std::optional<double> cu = m_totals.cu();
    const QStringList values = {
        QString::number(m_totals.invocations()),
        number(m_totals.gbSeconds()),
        number(m_totals.imagePullGbSeconds()),
        cu ? number(*cu) : tr("— (fc2)"),
        formatMoney(m_totals.cost()),
    };
    for (int i = 0; i < m_totalLabels.size(); ++i)
        m_totalLabels.at(i).second->setText(values.at(i));
    m_sessionWorking->setLines(m_totals.invocations() > 0 ? m_totals.working()
                                                          : QList<Billing::WorkingLine>{});
}

void BillingInspector::showRecord(const Telemetry::InvocationRecord *record)
{
    if (!record) {
        m_record.reset();
        m_title->setText(tr("Select a request to see its charge."));
        m_working->setLines({});
    } else {
        m_record = std::make_unique<Telemetry::InvocationRecord>(*record);
        m_title->setText(tr("%1 · %2 · %3 · %4")
                             .arg(record->requestId, Billing::modelName(record->billing.model),
                                  tr("%1 MB").arg(record->memorySizeMB),
                                  formatMoney(record->billing.cost)));
        m_working->setLines(record->billingWorking());
    }
    const QString note = record ? coldStartNoteFor(*record) : QString();
    m_coldNote->setText(note);
    m_coldNote->setVisible(!note.isEmpty());
    updateWhatIf();
}

QString BillingInspector::coldStartNote() const
{
    return m_coldNote->isHidden() ? QString() : m_coldNote->text();
}

QString BillingInspector::coldStartNoteFor(const Telemetry::InvocationRecord &record)
{
    if (!record.coldStart || record.billing.model != Billing::Model::Fc2)
        return {};
    const Telemetry::Timings &t = record.timings;
    const double startup = t.sandboxMs + t.startupMs + t.unpackMs;
    if (startup <= 0)
        return {};
    QString note = tr("Cold start: the instance's start-up (%1) is not billed in fc2; only the "
                      "request itself (%2 ms) is, so a cold call can cost no more than a warm "
                      "one.")
                       .arg(formatDuration(startup))
                       .arg(record.billing.billedDurationMs);
    if (t.pullMs > 0)
        note +=
            u' ' +
            tr("The image pull (%1) is billed as image-pull GB-s.").arg(formatDuration(t.pullMs));
    return note;
}

void BillingInspector::updateWhatIf()
{
    m_whatIf.clear();
    m_whatIfCurrentMB = 0;
    if (!m_record) {
        m_chart->setRows({}, 0);
        return;
    }
    const Telemetry::InvocationRecord &r = *m_record;
    const Config::FunctionConfig config =
        m_session ? m_session->config() : Config::FunctionConfig{};
    Billing::InvocationUsage usage;
    usage.memoryMB = r.memorySizeMB > 0 ? r.memorySizeMB : config.memoryMB;
    usage.vcpu = Config::effectiveCpu(config);
    usage.diskMB = config.diskSizeMB;
    usage.durationMs = r.timings.invokeMs;
    usage.pullMs = r.timings.pullMs;
    // As runtime::closeRecord decided: a pull was charged only when the image was not cached.
    usage.imageCached = r.billing.quantities.pullMbMs == 0;
    const Billing::BillingOptions options = optionsFor(r.billing.model);
    const Billing::PriceTable prices = Billing::PriceTable::builtIn();
    m_whatIfCurrentMB = usage.memoryMB;

    const QList<int> sizes = whatIfSizes(usage.memoryMB);
    if (!m_cpuBound->isChecked() || config.cpu) {
        m_whatIf = Billing::whatIf(usage, options, prices, sizes);
    } else {
        // FC gives an instance without a configured vCPU one vCPU per GB: a CPU-bound call
        // runs in inverse proportion to it.
        Config::FunctionConfig sized = config;
        sized.memoryMB = usage.memoryMB;
        const double currentCpu = Config::effectiveCpu(sized);
        for (const int mb : sizes) {
            sized.memoryMB = mb;
            Billing::InvocationUsage scaled = usage;
            scaled.vcpu = Config::effectiveCpu(sized);
            scaled.durationMs = usage.durationMs * currentCpu / scaled.vcpu;
            m_whatIf += Billing::whatIf(scaled, options, prices, {mb});
        }
    }
    m_chart->setRows(m_whatIf, m_whatIfCurrentMB);
}

} // namespace Fcemu::Ui
