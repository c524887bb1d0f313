"""What several test harnesses read off the wire: the header of a FlatBuffers event
message (the gateway's binary frames) and Prometheus text (/metrics of the gateway
and the egress)."""
import struct


def fb_header(message):
    """(sequence, event_time_ns, publish_time_ns) of a FlatBuffers Event message
    (core/schema/events.fbs: file identifier RSEV; the root table's field 0 is the
    EventHeader struct). ValueError if the message is not one."""
    if len(message) < 16 or message[4:8] != b"RSEV":
        raise ValueError("no RSEV identifier")
    root = struct.unpack_from("<I", message, 0)[0]
    vtable = root - struct.unpack_from("<i", message, root)[0]
    field = struct.unpack_from("<H", message, vtable + 4)[0]
    if not field:
        raise ValueError("no header")
    return struct.unpack_from("<Qqq", message, root + field)


def parse_metrics(text):
    """Prometheus text as {'name{labels}': value}; ValueError on a malformed line."""
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    return values
