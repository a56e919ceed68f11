#include "Inflate.h"

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include <memory>
#include <vector>

namespace Fcemu::Image {

namespace {

constexpr std::size_t inputSize = 1 << 20;

Status damaged(const QString &where, const QString &what)
{
    return fail(ErrorKind::ImageRefused,
                where + u": truncated or damaged layer ("_qs + what + u')');
}

Status readError(const QString &where, qint64 n)
{
    return fail(ErrorKind::Io, where + u": read failed: "_qs + errnoText(int(-n)));
}

Status copyPlain(const InflateIo &io, const QString &where)
{
    for (;;) {
        auto [buffer, capacity] = io.output();
        const qint64 n = io.read(buffer, capacity);
        if (n < 0)
            return readError(where, n);
        if (n == 0)
            return {};
        if (!io.commit(std::size_t(n)))
            return {};
    }
}

Status inflateGzip(const InflateIo &io, const QString &where)
{
    std::vector<char> input(inputSize);
    auto state = std::make_unique<inflate_state>();
    isal_inflate_init(state.get());
    state->crc_flag = ISAL_GZIP;
    bool eof = false;
    bool memberDone = false;
    for (;;) {
        if (state->avail_in == 0 && !eof) {
            const qint64 n = io.read(input.data(), input.size());
            if (n < 0)
                return readError(where, n);
            eof = n == 0;
            state->next_in = reinterpret_cast<uint8_t *>(input.data());
            state->avail_in = uint32_t(n);
        }
        if (memberDone) {
            // Another gzip member may follow (pigz and `cat a.gz b.gz` write several).
            if (state->avail_in == 0 && eof)
                return {};
            if (state->avail_in == 0)
                continue;
            if (state->next_in[0] == 0) {
                // Zero padding after the last member (some writers pad to a block size).
                for (uint32_t i = 0; i < state->avail_in; ++i)
                    if (state->next_in[i] != 0)
                        return damaged(where, u"data after the end of the gzip stream"_qs);
                state->avail_in = 0;
                continue;
            }
            uint8_t *nextIn = state->next_in;
            const uint32_t availIn = state->avail_in;
            isal_inflate_reset(state.get());
            state->crc_flag = ISAL_GZIP;
            state->next_in = nextIn;
            state->avail_in = availIn;
            memberDone = false;
        }
        if (state->avail_in == 0 && eof)
            return damaged(where, u"the gzip stream ends early"_qs);
        auto [buffer, capacity] = io.output();
        state->next_out = reinterpret_cast<uint8_t *>(buffer);
        state->avail_out = uint32_t(capacity);
        const int r = isal_inflate(state.get());
        if (r == ISAL_INCORRECT_CHECKSUM)
            return damaged(where, u"gzip checksum mismatch"_qs);
        if (r < 0)
            return damaged(where, u"invalid gzip data, code "_qs + QString::number(r));
        const std::size_t produced = capacity - state->avail_out;
        if (produced > 0 && !io.commit(produced))
            return {};
        if (state->block_state == ISAL_BLOCK_FINISH)
            memberDone = true;
    }
}

Status inflateZstd(const InflateIo &io, const QString &where)
{
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    std::vector<char> input(inputSize);
    ZSTD_inBuffer in{input.data(), 0, 0};
    std::size_t last = 0;
    bool eof = false;
    for (;;) {
        if (in.pos == in.size && !eof) {
            const qint64 n = io.read(input.data(), input.size());
            if (n < 0)
                return readError(where, n);
            eof = n == 0;
            in = {input.data(), std::size_t(n), 0};
        }
        if (in.pos == in.size && eof) {
            if (last != 0)
                return damaged(where, u"the zstd stream ends early"_qs);
            return {};
        }
        auto [buffer, capacity] = io.output();
        ZSTD_outBuffer out{buffer, capacity, 0};
        last = ZSTD_decompressStream(ctx.get(), &out, &in);
        if (ZSTD_isError(last))
            return damaged(where, QString::fromLatin1(ZSTD_getErrorName(last)));
        if (out.pos > 0 && !io.commit(out.pos))
            return {};
    }
}

} // namespace

Status inflateStream(const QString &compression, const InflateIo &io, const QString &where)
{
    if (compression == u"gzip"_qs)
        return inflateGzip(io, where);
    if (compression == u"zstd"_qs)
        return inflateZstd(io, where);
    return copyPlain(io, where);
}

} // namespace Fcemu::Image
