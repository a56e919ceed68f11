#pragma once

#include <optional>

#include <QDate>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include "billing/Money.h"
#include "common/Error.h"

namespace Fcemu::Billing {

// Where a table's figures come from: shown beside every estimate so a user can check them.
struct PriceSource
{
    QDate effectiveDate; // the date the figures describe
    QString url;         // the pricing page they were read from
    QString citation;    // where this project records them (CONTRACT §8, fc-semantics §6)
    QString note;
};

// FC 2.0 pay-as-you-go (CONTRACT §8; fc-semantics §6.2): GB-s and requests, in USD.
struct Fc2Prices
{
    PriceSource source;
    QString currency = u"USD"_qs;
    Money requestPricePerMillion; // USD 0.2 per 1,000,000 requests
    Money gbSecondPrice;          // USD 0.000016384 per GB-s
    qint64 freeRequestsPerMonth = 0;
    qint64 freeGbSecondsPerMonth = 0;
    int granularityMs = 1;         // "bills at one-millisecond granularity"
    int legacyGranularityMs = 100; // 2019-2021 outputs: "Billed Duration: 100 ms" for 3.17 ms
};

// CU conversion factors in millionths (0.15 CU per GB-s is 150,000): every published factor has
// at most four decimals, so integers keep the CU arithmetic exact.
struct CuFactors
{
    qint64 vcpuSecondMicro = 0;     // CU per vCPU-second
    qint64 memoryGbSecondMicro = 0; // CU per GB-second of memory
    qint64 diskGbSecondMicro = 0;   // CU per GB-second of billable disk
    qint64 invocationMicro = 0;     // CU per invocation (75 per 10,000 = 0.0075)
};

// One price tier: CU up to and including upToCu of the month (nullopt: no upper bound).
struct CuTier
{
    std::optional<qint64> upToCu;
    Money price; // per CU
};

// FC 3.0 compute units (CONTRACT §8; fc-semantics §6.1).
struct Fc3Prices
{
    PriceSource source;
    CuFactors active;
    CuFactors idle;
    // fc-semantics §10.7: the billing overview says 512 MB of disk is free, the newer
    // pay-as-you-go page says 10 GB. 512 MB is the default; the other is an option.
    int diskFreeMB = 512;
    int diskFreeMBAlternative = 10240;
    int granularityMs = 1;                // CPU on demand: 1 ms
    int provisionedGranularityMs = 10000; // CPU provisioned: 10 s increments (51 s → 60 s)
    QMap<QString, QList<CuTier>> tiers;   // by currency code, ascending upToCu
};

// The dated price table. The built-in one is compiled in from resources/billing/prices.json; a
// user file can override any part of it.
class PriceTable final
{
public:
    // The table shipped as the Qt resource :/billing/prices.json.
    static PriceTable builtIn();
    // The built-in table with the user's JSON file merged over it (RFC 7386 merge patch: the
    // file may change a single price). A bad file gives one line naming the file and the key:
    // "my-prices.json: fc2.gbSecondPrice: expected a decimal such as "0.000016384"".
    static Result<PriceTable> load(const QString &path);
    // Parses a complete table; origin names it in error messages.
    static Result<PriceTable> fromJson(const QByteArray &json, const QString &origin);

    const Fc2Prices &fc2() const { return m_fc2; }
    const Fc3Prices &fc3() const { return m_fc3; }
    // The tiers for a currency; empty when the table has none for it.
    QList<CuTier> cuTiers(const QString &currency) const { return m_fc3.tiers.value(currency); }
    // Where the table came from: ":/billing/prices.json" or the user's file.
    const QString &origin() const { return m_origin; }

private:
    Fc2Prices m_fc2;
    Fc3Prices m_fc3;
    QString m_origin;
};

} // namespace Fcemu::Billing
