#include "Digest.h"

#include <openssl/evp.h>

#include <QRegularExpression>

namespace Fcemu::Image {

std::optional<Digest> Digest::parse(const QString &text)
{
    static const QRegularExpression sha256(u"^sha256:([a-f0-9]{64})$"_qs);
    static const QRegularExpression sha512(u"^sha512:([a-f0-9]{128})$"_qs);
    if (const auto m = sha256.match(text); m.hasMatch())
        return Digest{u"sha256"_qs, m.captured(1)};
    if (const auto m = sha512.match(text); m.hasMatch())
        return Digest{u"sha512"_qs, m.captured(1)};
    return std::nullopt;
}

struct Hasher::Context
{
    EVP_MD_CTX *ctx = nullptr;
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(const QString &algorithm)
    : m_context(std::make_unique<Context>()), m_algorithm(algorithm)
{
    const EVP_MD *md = algorithm == u"sha512"_qs   ? EVP_sha512()
                       : algorithm == u"sha256"_qs ? EVP_sha256()
                                                   : nullptr;
    if (!md)
        return;
    m_context->ctx = EVP_MD_CTX_new();
    if (m_context->ctx && EVP_DigestInit_ex(m_context->ctx, md, nullptr) != 1) {
        EVP_MD_CTX_free(m_context->ctx);
        m_context->ctx = nullptr;
    }
}

Hasher::~Hasher() = default;

bool Hasher::isValid() const
{
    return m_context->ctx != nullptr;
}

void Hasher::update(const void *data, std::size_t size)
{
    if (m_context->ctx && size > 0)
        EVP_DigestUpdate(m_context->ctx, data, size);
}

Digest Hasher::finish()
{
    if (!m_context->ctx)
        return {};
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context->ctx, out, &length);
    EVP_MD_CTX_free(m_context->ctx);
    m_context->ctx = nullptr;
    const QByteArray raw(reinterpret_cast<const char *>(out), int(length));
    return Digest{m_algorithm, QString::fromLatin1(raw.toHex())};
}

Digest Hasher::sha256(const QByteArray &data)
{
    Hasher hasher;
    hasher.update(data.constData(), std::size_t(data.size()));
    return hasher.finish();
}

} // namespace Fcemu::Image
