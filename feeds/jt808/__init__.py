"""JT/T 808 (2013 and 2019) bus terminal feed: codec (pure) and TCP server."""

from feeds.jt808.bindings import Bindings, BindingFileError, load_bindings
from feeds.jt808.codec import EncodeError, decode_frame, encode, encode_message
from feeds.jt808.counters import Jt808Counters
from feeds.jt808.framing import FrameError, FrameErrorReason, FrameSplitter
from feeds.jt808.messages import Edition, Message, MsgId
from feeds.jt808.server import Jt808Server, ServerConfig, serve

__all__ = [
    "BindingFileError", "Bindings", "Edition", "EncodeError", "FrameError",
    "FrameErrorReason", "FrameSplitter", "Jt808Counters", "Jt808Server", "Message", "MsgId",
    "ServerConfig", "decode_frame", "encode", "encode_message", "load_bindings", "serve",
]
