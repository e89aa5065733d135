"""files.getUploadURLExternal and files.completeUploadExternal: Slack's two-step upload (the
bytes in between arrive at the upload URL, :meth:`Workspace.receive_upload`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from app.sandbox import slack_args as arg
from app.sandbox.slack_model import (
    BOT_ID,
    BOT_USER_ID,
    Args,
    Body,
    Channel,
    Handler,
    Message,
    SlackError,
    UploadedFile,
    invalid_arguments,
)

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace


def get_upload_url(ws: Workspace, args: Args) -> Body:
    filename = arg.string(args, "filename") or ""
    if not filename:
        raise invalid_arguments("must be more than 0 characters [json-pointer:/filename]")
    try:
        length = int(args["length"])
    except (TypeError, ValueError) as exc:
        raise invalid_arguments("must be an integer [json-pointer:/length]") from exc
    upload = UploadedFile(
        id=ws.new_id("F"),
        filename=filename,
        length=length,
        title=filename,
        created=int(time.time()),
    )
    ws.files[upload.id] = upload
    upload_url = f"{ws.base_url}upload/v1/{upload.id}"
    return {"ok": True, "upload_url": upload_url, "file_id": upload.id}


def complete_upload(ws: Workspace, args: Args) -> Body:
    entries = arg.json_field(args, "files", "invalid_arguments")
    if not isinstance(entries, list) or not entries:
        raise invalid_arguments("must provide at least 1 items [json-pointer:/files]")
    uploads: list[UploadedFile] = []
    for entry in entries:
        file_id = entry.get("id") if isinstance(entry, dict) else None
        upload = ws.files.get(file_id or "")
        if upload is None or upload.content is None:
            raise SlackError("file_not_found")
        if entry.get("title"):
            upload.title = str(entry["title"])
        uploads.append(upload)
    channel: Channel | None = None
    if args.get("channel_id") is not None:
        channel = ws.channel_arg(args, "channel_id")
    elif arg.csv(args, "channels"):
        channel = ws.channel_arg({"channel": arg.csv(args, "channels")[0]})
    if channel is not None:
        ws.writable(channel)
        thread_ts = arg.string(args, "thread_ts")
        parent = ws.thread_parent(channel, thread_ts) if thread_ts else None
        for upload in uploads:
            upload.channels.append(channel.id)
        message = Message(
            ts=ws.next_ts(),
            user=BOT_USER_ID,
            text=arg.string(args, "initial_comment") or "",
            files=[u.to_api() for u in uploads],
            bot_id=BOT_ID,
        )
        ws.store_message(channel, message, parent)
    for upload in uploads:
        upload.completed = True
    return {"ok": True, "files": [u.to_api() for u in uploads]}


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
