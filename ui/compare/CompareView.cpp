#include "CompareView.h"

#include <cmath>

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScreen>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace Fcemu::Ui {

namespace {

enum PhaseColumn { PhaseName, PhaseA, PhaseB, PhaseDifference, PhaseFactor, PhaseBars };
enum HeaderColumn { HeaderMark, HeaderName, HeaderA, HeaderB };
enum CostColumn { CostName, CostA, CostB, CostDifference, CostFactor };

// The phases table's last column: A's bar above B's, in the runs' colours, to one scale.
class PhaseBarsDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        background.text.clear();
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

        const double scale = index.data(CompareView::ScaleRole).toDouble();
        if (scale <= 0)
            return;
        const QRectF area = QRectF(option.rect).adjusted(6, 3, -6, -3);
        const qreal h = std::max<qreal>(3, (area.height() - 2) / 2);
        painter->save();
        for (int side = 0; side < 2; ++side) {
            const double ms =
                index.data(side == 0 ? CompareView::AmsRole : CompareView::BmsRole).toDouble();
            if (ms <= 0)
                continue;
            const qreal w = std::max<qreal>(2, area.width() * ms / scale);
            painter->fillRect(QRectF(area.left(), area.top() + side * (h + 2), w, h),
                              runColor(side, option.palette));
        }
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        size.setWidth(std::max(size.width(), 160));
        return size;
    }
};

QString msText(double ms)
{
    return ms > 0 ? formatDuration(ms) : u"—"_qs;
}

QIcon swatch(const QColor &color)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(color);
    return QIcon(pixmap);
}

void tintRow(QTreeWidgetItem *item, Change change, const QPalette &palette)
{
    const QColor tint = changeTint(change, palette);
    for (int c = 0; c < item->columnCount(); ++c) {
        item->setData(c, Qt::BackgroundRole, tint.isValid() ? QVariant(tint) : QVariant());
        item->setData(c, CompareView::ChangeRole, int(change));
    }
}

QString escaped(const QString &text)
{
    return text.toHtmlEscaped().replace(u' ', u"&nbsp;"_qs);
}

} // namespace

CompareView::CompareView(const CompareRun &a, const CompareRun &b, QWidget *parent)
    : QDialog(parent), m_cardA(new QLabel(this)), m_cardB(new QLabel(this)),
      m_headline(new QLabel(this)), m_tabs(new QTabWidget(this)), m_phases(new QTreeWidget(this)),
      m_headers(new QTreeWidget(this)), m_logs(new QTextBrowser(this)),
      m_cost(new QTreeWidget(this)), m_costNote(new QLabel(this)),
      m_onlyDifferences(new QCheckBox(tr("Only differences"), this))
{
    setObjectName(u"compareView"_qs);
    setWindowTitle(tr("Compare Runs — fcemu"));
    for (QLabel *card : {m_cardA, m_cardB}) {
        card->setTextFormat(Qt::RichText);
        card->setWordWrap(true);
        card->setTextInteractionFlags(Qt::TextSelectableByMouse);
        card->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    }
    m_cardA->setObjectName(u"runA"_qs);
    m_cardB->setObjectName(u"runB"_qs);
    m_headline->setObjectName(u"headline"_qs);
    m_headline->setWordWrap(true);

    m_phases->setObjectName(u"comparePhases"_qs);
    m_phases->setHeaderLabels(
        {tr("Phase"), u"A"_qs, u"B"_qs, tr("B − A"), tr("B ÷ A"), tr("A above, B below")});
    m_phases->setRootIsDecorated(false);
    m_phases->setItemDelegateForColumn(PhaseBars, new PhaseBarsDelegate(m_phases));
    m_phases->setSelectionMode(QAbstractItemView::NoSelection);
    m_phases->header()->setStretchLastSection(true);

    m_headers->setObjectName(u"compareHeaders"_qs);
    m_headers->setHeaderLabels({QString(), tr("Header"), u"A"_qs, u"B"_qs});
    m_headers->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_headers->setTextElideMode(Qt::ElideMiddle);
    // The sections stay open (their titles span the row), so no branch column is needed.
    m_headers->setRootIsDecorated(false);
    m_headers->setIndentation(0);
    m_headers->setItemsExpandable(false);
    m_headers->header()->setStretchLastSection(true);

    m_logs->setObjectName(u"compareLogs"_qs);
    m_logs->setOpenLinks(false);

    m_cost->setObjectName(u"compareCost"_qs);
    m_cost->setHeaderLabels({tr("Figure"), u"A"_qs, u"B"_qs, tr("B − A"), tr("B ÷ A")});
    m_cost->setRootIsDecorated(false);
    m_cost->setSelectionMode(QAbstractItemView::NoSelection);
    m_cost->header()->setStretchLastSection(false);
    m_costNote->setWordWrap(true);
    m_costNote->setText(tr("Per 1M calls: the cost of this call a million times, at the built-in "
                           "prices, before any free tier."));

    m_onlyDifferences->setObjectName(u"onlyDifferences"_qs);
    m_onlyDifferences->setToolTip(tr("Hide the headers and log lines that are the same in both"));
    connect(m_onlyDifferences, &QCheckBox::toggled, this, [this]() {
        fillHeaders();
        fillLogs();
    });

    auto *costPage = new QWidget(this);
    auto *costLayout = new QVBoxLayout(costPage);
    costLayout->setContentsMargins(0, 0, 0, 0);
    costLayout->addWidget(m_cost, 1);
    costLayout->addWidget(m_costNote);
    m_tabs->addTab(m_phases, tr("Phases"));
    m_tabs->addTab(m_headers, tr("Headers"));
    m_tabs->addTab(m_logs, tr("Logs"));
    m_tabs->addTab(costPage, tr("Cost"));
    m_tabs->setCornerWidget(m_onlyDifferences, Qt::TopRightCorner);
    // It filters the headers and the logs; the phases and the cost are few rows.
    connect(m_tabs, &QTabWidget::currentChanged, this,
            [this](int index) { m_onlyDifferences->setVisible(index == 1 || index == 2); });
    m_onlyDifferences->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *swapButton = buttons->addButton(tr("Swap A and B"), QDialogButtonBox::ActionRole);
    swapButton->setObjectName(u"swapRuns"_qs);
    connect(swapButton, &QPushButton::clicked, this, &CompareView::swap);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *cards = new QGridLayout;
    cards->addWidget(m_cardA, 0, 0);
    cards->addWidget(m_cardB, 0, 1);
    cards->setColumnStretch(0, 1);
    cards->setColumnStretch(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(cards);
    layout->addWidget(m_headline);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(buttons);

    // Big enough for the phases and headers side by side, never bigger than the screen.
    QSize size(1100, 640);
    if (const QScreen *screen = parent ? parent->screen() : QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableSize() - QSize(40, 60));
    resize(size);
    setRuns(a, b);
}

void CompareView::setRuns(const CompareRun &a, const CompareRun &b)
{
    m_a = Side{a.record ? *a.record : Telemetry::InvocationRecord{}, a.source, a.hasPlatformData};
    m_b = Side{b.record ? *b.record : Telemetry::InvocationRecord{}, b.source, b.hasPlatformData};
    fill();
}

QString CompareView::headline() const
{
    return m_headline->text();
}

void CompareView::swap()
{
    std::swap(m_a, m_b);
    fill();
}

void CompareView::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    // The colours come from the palette: a theme switch repaints them.
    if (event->type() == QEvent::PaletteChange && !m_filling)
        fill();
}

void CompareView::fill()
{
    m_filling = true;
    fillCards();
    fillPhases();
    fillHeaders();
    fillLogs();
    fillCost();
    m_filling = false;
}

void CompareView::fillCards()
{
    const QPalette p = palette();
    const auto card = [&p](int side, const Side &s) {
        const Telemetry::InvocationRecord &r = s.record;
        const QString color = runColor(side, p).name();
        const QString when = r.startedAt.isValid() ? formatClock(r.startedAt) : QString();
        return QStringLiteral("<span style='color:%1; font-weight:bold'>■ %2</span> "
                              "<b>%3</b><br><span>%4 · %5%6</span>")
            .arg(color, side == 0 ? u"A"_qs : u"B"_qs, s.run().summary().toHtmlEscaped(),
                 s.source.toHtmlEscaped(), r.requestId.toHtmlEscaped(),
                 when.isEmpty() ? QString() : u" · "_qs + when);
    };
    m_cardA->setText(card(0, m_a));
    m_cardB->setText(card(1, m_b));
    m_headline->setText(compareHeadline(m_a.run(), m_b.run()));
}

void CompareView::fillPhases()
{
    const QPalette p = palette();
    m_phases->clear();
    const QList<PhaseDiff> rows = comparePhases(m_a.record, m_b.record);
    double scale = 0;
    for (const PhaseDiff &row : rows)
        scale = std::max({scale, row.aMs, row.bMs});
    for (const PhaseDiff &row : rows) {
        auto *item = new QTreeWidgetItem(m_phases);
        item->setText(PhaseName, row.name);
        item->setText(PhaseA, msText(row.aMs));
        item->setText(PhaseB, msText(row.bMs));
        const Change change = row.change();
        if (change == Change::Added)
            item->setText(PhaseDifference, tr("only in B"));
        else if (change == Change::Removed)
            item->setText(PhaseDifference, tr("only in A"));
        else
            item->setText(PhaseDifference, formatDifferenceMs(row.differenceMs()));
        if (const auto factor = row.factor())
            item->setText(PhaseFactor, formatFactor(*factor));
        item->setData(PhaseBars, AmsRole, row.aMs);
        item->setData(PhaseBars, BmsRole, row.bMs);
        item->setData(PhaseBars, ScaleRole, scale);
        for (int c : {PhaseA, PhaseB, PhaseDifference, PhaseFactor})
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        if (row.phase) {
            item->setIcon(PhaseName, swatch(phaseColor(*row.phase)));
            item->setToolTip(PhaseName, phaseExplanation(*row.phase));
        } else {
            QFont bold = item->font(PhaseName);
            bold.setBold(true);
            for (int c = 0; c < PhaseBars; ++c)
                item->setFont(c, bold);
        }
        tintRow(item, change, p);
        if (change == Change::Changed) {
            // Slower in B reads as a loss, faster as a gain.
            item->setForeground(PhaseDifference, row.differenceMs() > 0
                                                     ? changeColor(Change::Removed, p)
                                                     : changeColor(Change::Added, p));
        }
        item->setToolTip(PhaseBars, tr("A %1, B %2").arg(msText(row.aMs), msText(row.bMs)));
    }
    fitColumns(m_phases, 260);
}

void CompareView::fillHeaders()
{
    const QPalette p = palette();
    const bool onlyDifferences = m_onlyDifferences->isChecked();
    m_headers->clear();
    const auto section = [&](const QString &title, const Telemetry::HeaderList &a,
                             const Telemetry::HeaderList &b, bool shown) {
        if (!shown)
            return;
        auto *top = new QTreeWidgetItem(m_headers);
        const QList<HeaderDiff> rows = compareHeaders(a, b);
        int changed = 0;
        int added = 0;
        int removed = 0;
        for (const HeaderDiff &row : rows) {
            changed += row.change == Change::Changed && !row.perCall;
            added += row.change == Change::Added;
            removed += row.change == Change::Removed;
            if (onlyDifferences && (row.change == Change::Same || row.perCall))
                continue;
            auto *item = new QTreeWidgetItem(top);
            item->setText(HeaderMark, changeMark(row.change));
            item->setText(HeaderName, row.name);
            item->setText(HeaderA, row.a);
            item->setText(HeaderB, row.b);
            item->setToolTip(HeaderA, row.a);
            item->setToolTip(HeaderB, row.b);
            item->setToolTip(HeaderMark, changeName(row.change));
            tintRow(item, row.change, p);
            item->setForeground(HeaderMark, changeColor(row.change, p));
            if (row.perCall) {
                // Differs on every call by design: shown, but quietly.
                for (int c = 0; c < item->columnCount(); ++c) {
                    item->setData(c, Qt::BackgroundRole, QVariant());
                    item->setForeground(c, p.color(QPalette::PlaceholderText));
                }
                item->setToolTip(HeaderName, tr("Differs on every call (an id or a time)"));
            }
        }
        QStringList counts;
        if (changed)
            counts << tr("%1 changed").arg(changed);
        if (removed)
            counts << tr("%1 only in A").arg(removed);
        if (added)
            counts << tr("%1 only in B").arg(added);
        // The section's title spans the row (in the first column, the one a spanned row shows).
        top->setText(HeaderMark, title + u" — "_qs +
                                     (counts.isEmpty() ? tr("the same") : counts.join(u", "_qs)));
        top->setFirstColumnSpanned(true);
        QFont bold = top->font(HeaderMark);
        bold.setBold(true);
        top->setFont(HeaderMark, bold);
        top->setExpanded(true);
    };
    const Telemetry::ClientRequest none;
    const Telemetry::ClientRequest &ca = m_a.record.client ? *m_a.record.client : none;
    const Telemetry::ClientRequest &cb = m_b.record.client ? *m_b.record.client : none;
    section(tr("Request (as the client sent it)"), ca.headers, cb.headers, true);
    section(tr("Response"), m_a.record.responseHeaders, m_b.record.responseHeaders, true);
    section(tr("Received by the container"), m_a.record.requestHeaders, m_b.record.requestHeaders,
            m_a.hasPlatformData || m_b.hasPlatformData);
    fitColumns(m_headers, 360);
    // The spanned section titles are wider than the mark column: keep that one narrow.
    m_headers->header()->resizeSection(HeaderMark,
                                       m_headers->fontMetrics().horizontalAdvance(u"≠≠"_qs) + 24);
}

void CompareView::fillLogs()
{
    const QPalette p = palette();
    const bool onlyDifferences = m_onlyDifferences->isChecked();
    const QList<LogDiff> rows = compareLogs(m_a.record, m_b.record);
    const QString mono = QFontDatabase::systemFont(QFontDatabase::FixedFont).family();
    QString html = QStringLiteral("<table width='100%' cellspacing='0' cellpadding='3' "
                                  "style='font-family:\"%1\"'>"
                                  "<tr><th></th><th align='left' width='50%'>"
                                  "<span style='color:%2'>■</span> A</th>"
                                  "<th align='left' width='50%'><span style='color:%3'>■</span> "
                                  "B</th></tr>")
                       .arg(mono, runColor(0, p).name(), runColor(1, p).name());
    int shown = 0;
    for (const LogDiff &row : rows) {
        if (onlyDifferences && row.change == Change::Same)
            continue;
        ++shown;
        const QColor tint = changeTint(row.change, p);
        // QTextDocument takes no alpha in a cell's background: mix the tint over the base.
        QString background;
        if (tint.isValid()) {
            const QColor base = p.color(QPalette::Base);
            const double alpha = tint.alphaF();
            const QColor mixed =
                QColor::fromRgbF(float(base.redF() * (1 - alpha) + tint.redF() * alpha),
                                 float(base.greenF() * (1 - alpha) + tint.greenF() * alpha),
                                 float(base.blueF() * (1 - alpha) + tint.blueF() * alpha));
            background = u" bgcolor='"_qs + mixed.name() + u'\'';
        }
        html += QStringLiteral("<tr%1><td style='color:%2' title='%3'>%4</td><td>%5</td>"
                               "<td>%6</td></tr>")
                    .arg(background, changeColor(row.change, p).name(), changeName(row.change),
                         changeMark(row.change), escaped(row.a), escaped(row.b));
    }
    html += u"</table>"_qs;
    if (rows.isEmpty())
        html = u"<p>"_qs +
               (m_a.hasPlatformData && m_b.hasPlatformData
                    ? tr("Neither run has log lines.")
                    : tr("No log lines: a browser's HAR has only the HTTP part.")) +
               u"</p>"_qs;
    else if (shown == 0)
        html += u"<p>"_qs + tr("The log lines are the same (ids and times aside).") + u"</p>"_qs;
    m_logs->setHtml(html);
}

void CompareView::fillCost()
{
    const QPalette p = palette();
    m_cost->clear();
    for (const CostDiff &row : compareCost(m_a.run(), m_b.run())) {
        auto *item = new QTreeWidgetItem(m_cost);
        item->setText(CostName, row.name);
        item->setText(CostA, row.a);
        item->setText(CostB, row.b);
        item->setText(CostDifference, row.difference);
        if (row.factor)
            item->setText(CostFactor, formatFactor(*row.factor));
        for (int c : {CostA, CostB, CostDifference, CostFactor})
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        tintRow(item, row.change, p);
    }
    fitColumns(m_cost, 320);
    m_cost->resizeColumnToContents(CostFactor);
    m_cost->header()->resizeSection(CostFactor, m_cost->header()->sectionSize(CostFactor) + 12);
}

void CompareView::fitColumns(QTreeWidget *tree, int maxWidth)
{
    // Every column as wide as its widest text (headers included), so nothing is cut; a value
    // column stops at maxWidth and shows the rest in its tooltip.
    QHeaderView *header = tree->header();
    const int last = tree->columnCount() - 1;
    for (int c = 0; c < last; ++c) {
        tree->resizeColumnToContents(c);
        const int title = header->fontMetrics().horizontalAdvance(tree->headerItem()->text(c)) + 24;
        // A little air besides the text's own margins.
        header->resizeSection(c, std::min(std::max(header->sectionSize(c) + 12, title), maxWidth));
    }
}

} // namespace Fcemu::Ui
