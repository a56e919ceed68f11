#include "CompareModel.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <QHash>
#include <QRegularExpression>

namespace Fcemu::Ui {

namespace {

constexpr double kNoiseMs = 0.5;
constexpr double kNoiseShare = 0.05;

// Beyond noise: at least 0.5 ms and more than 5 % apart (a 0.1 against 0.2 ms send, or 1000
// against 1040 ms, is the same run twice).
bool differs(double a, double b)
{
    const double gap = std::abs(b - a);
    return gap >= kNoiseMs && gap > kNoiseShare * std::max(std::abs(a), std::abs(b));
}

std::optional<double> ratio(double a, double b)
{
    if (a <= 0 || b <= 0)
        return std::nullopt;
    return b / a;
}

Change changeOf(bool inA, bool inB, bool equal)
{
    if (inA && !inB)
        return Change::Removed;
    if (!inA && inB)
        return Change::Added;
    return equal ? Change::Same : Change::Changed;
}

// Numbers without trailing zeros, at most `decimals` of them: 0.0064, 12, 1.5.
QString number(double value, int decimals)
{
    QString text = QString::number(value, 'f', decimals);
    if (text.contains(u'.')) {
        while (text.endsWith(u'0'))
            text.chop(1);
        if (text.endsWith(u'.'))
            text.chop(1);
    }
    return text;
}

QString signedNumber(double value, int decimals, const QString &unit)
{
    const QString magnitude = number(std::abs(value), decimals);
    if (magnitude == u"0"_qs)
        return u"±0"_qs + unit;
    return (value < 0 ? u"−"_qs : u"+"_qs) + magnitude + unit;
}

CostDiff numberRow(const QString &name, double a, double b, int decimals, const QString &unit)
{
    CostDiff row;
    row.name = name;
    row.a = number(a, decimals) + unit;
    row.b = number(b, decimals) + unit;
    row.difference = signedNumber(b - a, decimals, unit);
    row.factor = ratio(a, b);
    row.change = row.a == row.b ? Change::Same : Change::Changed;
    return row;
}

CostDiff moneyRow(const QString &name, const Billing::Money &a, const Billing::Money &b)
{
    CostDiff row;
    row.name = name;
    row.a = formatMoney(a);
    row.b = formatMoney(b);
    if (a.currency() == b.currency()) {
        const Billing::Money gap = b - a;
        row.difference =
            gap.isZero()
                ? u"±0"_qs
                : (gap.pico() < 0 ? u"−"_qs : u"+"_qs) +
                      formatMoney(Billing::Money::fromPico(std::abs(gap.pico()), gap.currency()));
    }
    row.factor = ratio(double(a.pico()), double(b.pico()));
    row.change = a == b ? Change::Same : Change::Changed;
    return row;
}

} // namespace

QString CompareRun::summary() const
{
    if (!record)
        return {};
    const Telemetry::InvocationRecord &r = *record;
    QStringList parts;
    if (hasPlatformData)
        parts << (r.coldStart ? QObject::tr("cold") : QObject::tr("warm"));
    parts << (r.error ? QString::number(r.statusCode) + u' ' + r.error->code
                      : QString::number(r.statusCode));
    QString what = r.kind;
    if (r.client && r.kind == u"http"_qs)
        what += u' ' + r.client->method + u' ' + r.client->target;
    parts << what;
    return parts.join(u" · "_qs);
}

QString changeMark(Change change)
{
    switch (change) {
    case Change::Same:
        return {};
    case Change::Added:
        return u"+"_qs;
    case Change::Removed:
        return u"−"_qs;
    case Change::Changed:
        return u"≠"_qs;
    }
    return {};
}

QString changeName(Change change)
{
    switch (change) {
    case Change::Same:
        return QObject::tr("same");
    case Change::Added:
        return QObject::tr("only in B");
    case Change::Removed:
        return QObject::tr("only in A");
    case Change::Changed:
        return QObject::tr("changed");
    }
    return {};
}

QColor changeColor(Change change, const QPalette &palette)
{
    switch (change) {
    case Change::Same:
        return palette.color(QPalette::Text);
    case Change::Added:
        return outcomeColor(Outcome::Success, palette);
    case Change::Removed:
        return errorTextColor(palette);
    case Change::Changed:
        return outcomeColor(Outcome::PlatformError, palette);
    }
    return {};
}

QColor changeTint(Change change, const QPalette &palette)
{
    if (change == Change::Same)
        return {};
    QColor tint = changeColor(change, palette);
    tint.setAlpha(isDarkPalette(palette) ? 60 : 40);
    return tint;
}

QColor runColor(int side, const QPalette &palette)
{
    const bool dark = isDarkPalette(palette);
    if (side == 0)
        return dark ? QColor(0x6c, 0xb0, 0xff) : QColor(0x1f, 0x5f, 0xbf);
    return dark ? QColor(0xff, 0xa6, 0x57) : QColor(0xc0, 0x56, 0x00);
}

std::optional<double> PhaseDiff::factor() const
{
    return ratio(aMs, bMs);
}

Change PhaseDiff::change() const
{
    return changeOf(aMs > 0, bMs > 0, !differs(aMs, bMs));
}

QList<PhaseDiff> comparePhases(const Telemetry::InvocationRecord &a,
                               const Telemetry::InvocationRecord &b)
{
    QHash<int, double> msA;
    QHash<int, double> msB;
    for (const PhaseSpan &span : phasesOf(a))
        msA[int(span.phase)] += span.ms;
    for (const PhaseSpan &span : phasesOf(b))
        msB[int(span.phase)] += span.ms;
    QList<PhaseDiff> rows;
    for (int p = int(Phase::Queue); p <= int(Phase::PreFreeze); ++p) {
        if (!msA.contains(p) && !msB.contains(p))
            continue;
        PhaseDiff row;
        row.phase = Phase(p);
        row.name = phaseName(Phase(p));
        row.aMs = msA.value(p);
        row.bMs = msB.value(p);
        rows.append(row);
    }
    PhaseDiff total;
    total.name = QObject::tr("Total");
    total.aMs = a.timings.totalMs;
    total.bMs = b.timings.totalMs;
    rows.append(total);
    return rows;
}

QList<HeaderDiff> compareHeaders(const Telemetry::HeaderList &a, const Telemetry::HeaderList &b)
{
    static const QList<QByteArray> perCall{"x-fc-request-id", "date", "x-fc-trace-id",
                                           "x-fc-instance-id", "x-fc-invocation-duration"};
    // A header's key: its lower-case name and which occurrence of that name it is.
    const auto keys = [](const Telemetry::HeaderList &list) {
        QList<QPair<QByteArray, int>> out;
        QHash<QByteArray, int> seen;
        for (const auto &[name, value] : list) {
            const QByteArray lower = name.toLower();
            out.append({lower, seen[lower]++});
        }
        return out;
    };
    const auto keysA = keys(a);
    const auto keysB = keys(b);
    QList<bool> usedB(b.size(), false);
    QList<HeaderDiff> rows;
    for (qsizetype i = 0; i < a.size(); ++i) {
        HeaderDiff row;
        row.name = QString::fromUtf8(a[i].first);
        row.a = QString::fromUtf8(a[i].second);
        row.perCall = perCall.contains(keysA[i].first);
        const qsizetype j = keysB.indexOf(keysA[i]);
        if (j >= 0) {
            usedB[j] = true;
            row.b = QString::fromUtf8(b[j].second);
            row.change = a[i].second == b[j].second ? Change::Same : Change::Changed;
        } else {
            row.change = Change::Removed;
        }
        rows.append(row);
    }
    for (qsizetype j = 0; j < b.size(); ++j) {
        if (usedB[j])
            continue;
        HeaderDiff row;
        row.name = QString::fromUtf8(b[j].first);
        row.b = QString::fromUtf8(b[j].second);
        row.change = Change::Added;
        row.perCall = perCall.contains(keysB[j].first);
        rows.append(row);
    }
    return rows;
}

QString logKey(const QString &line, const Telemetry::InvocationRecord &record)
{
    static const QRegularExpression iso(
        u"\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:?\\d\\d)?"_qs);
    QString key = line;
    if (!record.requestId.isEmpty())
        key.replace(record.requestId, u"{requestId}"_qs);
    if (!record.instanceId.isEmpty())
        key.replace(record.instanceId, u"{instanceId}"_qs);
    key.replace(iso, u"{time}"_qs);
    return key.trimmed();
}

QList<LogDiff> compareLogs(const Telemetry::InvocationRecord &a,
                           const Telemetry::InvocationRecord &b, int tail)
{
    const QStringList linesA = a.logs.mid(std::max<qsizetype>(0, a.logs.size() - tail));
    const QStringList linesB = b.logs.mid(std::max<qsizetype>(0, b.logs.size() - tail));
    QStringList keysA;
    QStringList keysB;
    for (const QString &line : linesA)
        keysA << logKey(line, a);
    for (const QString &line : linesB)
        keysB << logKey(line, b);

    // The longest common subsequence, from the end: lcs[i][j] for keysA[i..] and keysB[j..].
    const size_t n = size_t(keysA.size());
    const size_t m = size_t(keysB.size());
    std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i][j] = keysA[qsizetype(i)] == keysB[qsizetype(j)]
                            ? lcs[i + 1][j + 1] + 1
                            : std::max(lcs[i + 1][j], lcs[i][j + 1]);

    QList<LogDiff> rows;
    QStringList removed;
    QStringList added;
    // A run of removed lines followed by added ones pairs up into changed lines.
    const auto flush = [&]() {
        const qsizetype paired = std::min(removed.size(), added.size());
        for (qsizetype k = 0; k < paired; ++k)
            rows.append({removed[k], added[k], Change::Changed});
        for (qsizetype k = paired; k < removed.size(); ++k)
            rows.append({removed[k], QString(), Change::Removed});
        for (qsizetype k = paired; k < added.size(); ++k)
            rows.append({QString(), added[k], Change::Added});
        removed.clear();
        added.clear();
    };
    size_t i = 0;
    size_t j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && keysA[qsizetype(i)] == keysB[qsizetype(j)]) {
            flush();
            rows.append({linesA[qsizetype(i)], linesB[qsizetype(j)], Change::Same});
            ++i;
            ++j;
        } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
            added << linesB[qsizetype(j++)];
        } else {
            removed << linesA[qsizetype(i++)];
        }
    }
    flush();
    return rows;
}

QList<CostDiff> compareCost(const CompareRun &a, const CompareRun &b)
{
    QList<CostDiff> rows;
    if (!a.record || !b.record)
        return rows;
    const Telemetry::InvocationRecord &ra = *a.record;
    const Telemetry::InvocationRecord &rb = *b.record;
    if (!a.hasPlatformData || !b.hasPlatformData) {
        // A browser's HAR has no billing: say so instead of comparing with zero.
        const QString none = QObject::tr("not recorded (browser HAR)");
        for (const QString &name : {QObject::tr("Billed duration"), QObject::tr("Cost per call"),
                                    QObject::tr("Cost per 1M calls")}) {
            CostDiff row;
            row.name = name;
            row.a = a.hasPlatformData ? QString() : none;
            row.b = b.hasPlatformData ? QString() : none;
            row.change = Change::Same;
            rows.append(row);
        }
        if (a.hasPlatformData) {
            rows[0].a = QString::number(ra.billing.billedDurationMs) + u" ms"_qs;
            rows[1].a = formatMoney(ra.billing.cost);
            rows[2].a = formatMoney(ra.billing.cost * 1'000'000);
        }
        if (b.hasPlatformData) {
            rows[0].b = QString::number(rb.billing.billedDurationMs) + u" ms"_qs;
            rows[1].b = formatMoney(rb.billing.cost);
            rows[2].b = formatMoney(rb.billing.cost * 1'000'000);
        }
        return rows;
    }
    CostDiff model;
    model.name = QObject::tr("Billing model");
    model.a = Billing::modelName(ra.billing.model);
    model.b = Billing::modelName(rb.billing.model);
    model.change = model.a == model.b ? Change::Same : Change::Changed;
    rows.append(model);
    rows.append(
        numberRow(QObject::tr("Memory size"), ra.memorySizeMB, rb.memorySizeMB, 0, u" MB"_qs));
    rows.append(numberRow(QObject::tr("Billed duration"), double(ra.billing.billedDurationMs),
                          double(rb.billing.billedDurationMs), 0, u" ms"_qs));
    rows.append(
        numberRow(QObject::tr("GB-s"), ra.billing.gbSeconds, rb.billing.gbSeconds, 6, QString()));
    if (ra.billing.cu || rb.billing.cu)
        rows.append(numberRow(QObject::tr("CU"), ra.billing.cu.value_or(0),
                              rb.billing.cu.value_or(0), 6, QString()));
    if (ra.billing.imagePullGbSeconds > 0 || rb.billing.imagePullGbSeconds > 0)
        rows.append(numberRow(QObject::tr("Image pull GB-s"), ra.billing.imagePullGbSeconds,
                              rb.billing.imagePullGbSeconds, 6, QString()));
    rows.append(moneyRow(QObject::tr("Cost per call"), ra.billing.cost, rb.billing.cost));
    rows.append(moneyRow(QObject::tr("Cost per 1M calls"), ra.billing.cost * 1'000'000,
                         rb.billing.cost * 1'000'000));
    return rows;
}

QString formatFactor(double factor)
{
    if (factor >= 100)
        return u"×"_qs + QString::number(qRound64(factor));
    if (factor >= 10)
        return u"×"_qs + number(factor, 0);
    if (factor >= 0.1)
        return u"×"_qs + QString::number(factor, 'f', factor >= 1 ? 1 : 2);
    return u"×"_qs + QString::number(factor, 'g', 2);
}

QString formatDifferenceMs(double ms)
{
    if (std::abs(ms) < 0.005)
        return u"±0 ms"_qs;
    return (ms < 0 ? u"−"_qs : u"+"_qs) + formatDuration(std::abs(ms));
}

QString compareHeadline(const CompareRun &a, const CompareRun &b)
{
    if (!a.record || !b.record)
        return {};
    const double ta = a.record->timings.totalMs;
    const double tb = b.record->timings.totalMs;
    QString text;
    if (!differs(ta, tb)) {
        text = QObject::tr("A and B took about as long (%1 and %2).")
                   .arg(formatDuration(ta), formatDuration(tb));
    } else {
        const bool bSlower = tb > ta;
        const std::optional<double> factor = bSlower ? ratio(ta, tb) : ratio(tb, ta);
        text = QObject::tr("%1 took %2 longer than %3%4.")
                   .arg(bSlower ? u"B"_qs : u"A"_qs, formatDuration(std::abs(tb - ta)),
                        bSlower ? u"A"_qs : u"B"_qs,
                        factor ? u" ("_qs + formatFactor(*factor) + u')' : QString());
    }
    if (a.hasPlatformData && b.hasPlatformData && a.record->coldStart != b.record->coldStart)
        text += u' ' + (a.record->coldStart ? QObject::tr("A was a cold start, B warm.")
                                            : QObject::tr("B was a cold start, A warm."));
    // The phases that moved the most, biggest first.
    QList<PhaseDiff> phases = comparePhases(*a.record, *b.record);
    phases.removeLast(); // the total
    std::sort(phases.begin(), phases.end(), [](const PhaseDiff &x, const PhaseDiff &y) -> bool {
        return std::abs(x.differenceMs()) > std::abs(y.differenceMs());
    });
    QStringList biggest;
    for (const PhaseDiff &phase : std::as_const(phases)) {
        if (biggest.size() == 2 || phase.change() == Change::Same)
            break;
        biggest << phase.name + u' ' + formatDifferenceMs(phase.differenceMs());
    }
    if (!biggest.isEmpty())
        text += u' ' + QObject::tr("Most of it: %1.").arg(biggest.join(u", "_qs));
    return text;
}

} // namespace Fcemu::Ui
