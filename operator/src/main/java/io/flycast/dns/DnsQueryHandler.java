package io.flycast.dns;

import io.flycast.dns.DnsAnswer.Address;
import io.flycast.dns.DnsAnswer.AnswerRecord;
import io.flycast.dns.DnsAnswer.Text;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.core.metrics.Counter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty glue: turns a decoded query into a response with {@link FlycastDnsResolver} and writes it.
 * Runs on the event loop; the resolver never blocks. Any exception while answering is logged and
 * answered SERVFAIL; the channel keeps serving.
 */
@ChannelHandler.Sharable
final class DnsQueryHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(DnsQueryHandler.class);

  /** RFC 1035 §4.2.2: a TCP message carries a 2-byte length, so at most 65535 bytes. */
  static final int MAX_TCP_SIZE = 65535;

  /** RFC 1035 §3.3.14: a TXT character-string is a length byte and at most 255 bytes. */
  static final int TXT_CHUNK = 255;

  /**
   * RFC 1035 §4.1.3: an answer record is name, type (2), class (2), TTL (4), RDLENGTH (2), RDATA.
   */
  private static final int RR_FIXED = 10;

  /** RFC 1035 §4.1.2: a question is name, type (2), class (2). */
  private static final int QUESTION_FIXED = 4;

  /** RFC 6891 §6.1.2: an OPT record with no options is root name (1) + 10 fixed bytes. */
  private static final int OPT_LENGTH = 11;

  /** RFC 6891 §6.1.3: the only EDNS version is 0; others get BADVERS. */
  private static final int EDNS_VERSION = 0;

  /**
   * RFC 6891 §9: BADVERS is extended rcode 16, i.e. 1 in the OPT's upper 8 bits, 0 in the header.
   */
  private static final int BADVERS_UPPER_BITS = 1;

  /** RFC 1035 §3.2.4: class IN; RFC 1035 §3.2.5: QCLASS * (ANY) matches it too. */
  private static final int CLASS_IN = DnsRecord.CLASS_IN;

  private final FlycastDnsResolver resolver;
  private final Counter queries;
  private final boolean tcp;

  /**
   * @param resolver answers questions
   * @param queries {@code flycast_dns_queries_total}, labelled by rcode
   * @param tcp whether this handler serves a TCP connection (no UDP size limit, no addressing)
   */
  DnsQueryHandler(FlycastDnsResolver resolver, Counter queries, boolean tcp) {
    this.resolver = resolver;
    this.queries = queries;
    this.tcp = tcp;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof ReceivedQuery q) {
        handleQuery(ctx, q.query(), q.wireBytes());
      } else if (msg instanceof MalformedQuery m) {
        DnsResponse r =
            newResponse(
                m.id(),
                DnsOpCode.valueOf(m.opCode()),
                DnsResponseCode.FORMERR,
                m.recipient(),
                m.sender());
        r.setRecursionDesired(m.recursionDesired());
        send(ctx, r);
      } else {
        log.debug("unexpected message {}", msg);
      }
    } finally {
      ReferenceCountUtil.release(msg instanceof ReceivedQuery q ? q.query() : msg);
    }
  }

  private void handleQuery(ChannelHandlerContext ctx, DatagramDnsQuery q, int queryBytes) {
    DnsResponse response;
    try {
      response = respond(q, queryBytes);
    } catch (RuntimeException e) {
      // RFC 1035 §4.1.1 SERVFAIL: our failure, not the client's; keep serving.
      log.warn("failed to answer DNS query {}", q, e);
      response = header(q, DnsResponseCode.SERVFAIL);
    }
    send(ctx, response);
  }

  /** Builds the response to a query whose wire format decoded, {@code queryBytes} long. */
  DnsResponse respond(DatagramDnsQuery q, int queryBytes) {
    List<DnsRecord> opts = records(q, DnsSection.ADDITIONAL, DnsRecordType.OPT);
    DnsRecord opt = opts.isEmpty() ? null : opts.get(0);
    DnsResponse r;
    int extendedRcode = 0;
    if (!q.opCode().equals(DnsOpCode.QUERY)) {
      // RFC 1035 §4.1.1: NOTIMP for kinds of query we do not support (IQUERY, STATUS, NOTIFY...).
      r = header(q, DnsResponseCode.NOTIMP);
    } else if (q.count(DnsSection.QUESTION) != 1 || opts.size() > 1) {
      // RFC 9619: a query has exactly one question. RFC 6891 §6.1.1: at most one OPT.
      r = header(q, DnsResponseCode.FORMERR);
    } else if (opt != null && (opt.timeToLive() >> 16 & 0xff) != EDNS_VERSION) {
      // RFC 6891 §6.1.3: the version sits in bits 16-23 of the OPT's TTL field.
      r = header(q, DnsResponseCode.NOERROR);
      extendedRcode = BADVERS_UPPER_BITS;
    } else {
      r = answer(q, q.recordAt(DnsSection.QUESTION, 0), opt, queryBytes);
    }
    if (opt != null) {
      // RFC 6891 §6.1.1: answer an EDNS query with an OPT record.
      r.addRecord(
          DnsSection.ADDITIONAL, new OptRecord(UdpResponseLimit.MAX_UDP_SIZE, extendedRcode));
    }
    return r;
  }

  /** A response with no records. RD is copied from the query (RFC 1035 §4.1.1). */
  private DnsResponse header(DatagramDnsQuery q, DnsResponseCode rcode) {
    DnsResponse r = newResponse(q.id(), q.opCode(), rcode, q.recipient(), q.sender());
    r.setRecursionDesired(q.isRecursionDesired());
    r.setRecursionAvailable(false); // authoritative only, never recursive
    return r;
  }

  /** Resolves the question and fills the response, truncating it when it does not fit. */
  private DnsResponse answer(
      DatagramDnsQuery q, DnsQuestion question, DnsRecord opt, int queryBytes) {
    int qclass = question.dnsClass() & 0xffff;
    DnsAnswer answer;
    if (qclass != CLASS_IN && qclass != DnsRecord.CLASS_ANY) {
      // CHAOS (version.bind) and friends: we are not authoritative for them.
      answer = DnsAnswer.REFUSED;
    } else {
      InetSocketAddress client = q.sender();
      answer =
          resolver.resolve(
              question.name(), question.type(), client == null ? null : client.getAddress());
    }
    DnsResponse r = header(q, answer.rcode());
    r.addRecord(
        DnsSection.QUESTION,
        new DefaultDnsQuestion(question.name(), question.type(), question.dnsClass()));
    // RFC 1035 §4.1.1 AA: we own the names we answer; REFUSED means we do not.
    r.setAuthoritativeAnswer(!answer.rcode().equals(DnsResponseCode.REFUSED));

    int limit = tcp ? MAX_TCP_SIZE : UdpResponseLimit.bytes(queryBytes, opt);
    int size =
        QueryDecoder.HEADER_LENGTH
            + nameLength(question.name())
            + QUESTION_FIXED
            + (opt == null ? 0 : OPT_LENGTH);
    for (AnswerRecord a : answer.records()) {
      DnsRawRecord rec = toRecord(question.name(), a);
      // The owner is the question's name, written as a pointer to it.
      int recordSize =
          CompressingRecordEncoder.POINTER_LENGTH + RR_FIXED + rec.content().readableBytes();
      if (size + recordSize > limit) {
        // RFC 2181 §9: TC says the answer is incomplete, and the records that fit may stay. A
        // client that retries over TCP gets them all; one that does not still gets a few to use.
        // Records stay whole and in order, so a TXT that does not fit whole is left out.
        rec.release();
        r.setTruncated(true);
        break;
      }
      size += recordSize;
      r.addRecord(DnsSection.ANSWER, rec);
    }
    return r;
  }

  private DnsResponse newResponse(
      int id,
      DnsOpCode opCode,
      DnsResponseCode rcode,
      InetSocketAddress local,
      InetSocketAddress client) {
    return tcp
        ? new DefaultDnsResponse(id, opCode, rcode)
        : new DatagramDnsResponse(local, client, id, opCode, rcode);
  }

  private void send(ChannelHandlerContext ctx, DnsResponse r) {
    queries.labelValues(rcodeLabel(r)).inc();
    ctx.writeAndFlush(r)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.debug("failed to send DNS response", f.cause());
              }
            });
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.warn("DNS {} channel error", tcp ? "TCP" : "UDP", cause);
    if (tcp) {
      // A TCP stream may be out of sync after an error; the client reconnects (RFC 7766 §6.2.4).
      ctx.close();
    }
  }

  private static List<DnsRecord> records(
      DatagramDnsQuery q, DnsSection section, DnsRecordType type) {
    List<DnsRecord> out = new ArrayList<>(1);
    for (int i = 0; i < q.count(section); i++) {
      DnsRecord rec = q.recordAt(section, i);
      if (rec.type().equals(type)) {
        out.add(rec);
      }
    }
    return out;
  }

  /** The uncompressed wire length of a name: a length byte per label plus the root's zero byte. */
  static int nameLength(String name) {
    if (name.isEmpty() || name.equals(".")) {
      return 1;
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    return name.endsWith(".") ? bytes + 1 : bytes + 2;
  }

  private static DnsRawRecord toRecord(String owner, AnswerRecord a) {
    return switch (a) {
      case Address addr -> {
        InetAddress ip = addr.address();
        yield new DefaultDnsRawRecord(
            owner,
            addr.isIpv4() ? DnsRecordType.A : DnsRecordType.AAAA,
            addr.ttl(),
            Unpooled.wrappedBuffer(ip.getAddress()));
      }
      case Text t -> new DefaultDnsRawRecord(owner, DnsRecordType.TXT, t.ttl(), txtRdata(t.text()));
    };
  }

  /**
   * TXT RDATA: the text cut into character-strings of at most 255 bytes (RFC 1035 §3.3.14), which
   * clients concatenate (as for SPF, RFC 7208 §3.3).
   */
  static ByteBuf txtRdata(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ByteBuf buf = Unpooled.buffer(bytes.length + bytes.length / TXT_CHUNK + 1);
    int i = 0;
    do {
      int n = Math.min(TXT_CHUNK, bytes.length - i);
      buf.writeByte(n).writeBytes(bytes, i, n);
      i += n;
    } while (i < bytes.length);
    return buf;
  }

  /** The rcode mnemonic of RFC 6895 §2.3, the metric's label value. */
  static String rcodeLabel(DnsResponse r) {
    for (int i = 0; i < r.count(DnsSection.ADDITIONAL); i++) {
      DnsRecord rec = r.recordAt(DnsSection.ADDITIONAL, i);
      if (rec instanceof OptRecord o && o.extendedRcode() == BADVERS_UPPER_BITS) {
        return "BADVERS";
      }
    }
    return switch (r.code().intValue()) {
      case 0 -> "NOERROR";
      case 1 -> "FORMERR";
      case 2 -> "SERVFAIL";
      case 3 -> "NXDOMAIN";
      case 4 -> "NOTIMP";
      case 5 -> "REFUSED";
      default -> "RCODE" + r.code().intValue();
    };
  }

  /** Our OPT pseudo-record (RFC 6891 §6.1.2); Netty 4.1 has only the abstract base. */
  static final class OptRecord extends AbstractDnsOptPseudoRrRecord {
    OptRecord(int maxPayloadSize, int extendedRcode) {
      super(maxPayloadSize, extendedRcode, EDNS_VERSION);
    }
  }
}
