"""The Slack Web API methods the stand-in answers: ``_m_`` + the method name with dots as
underscores (``chat.postMessage`` → ``_m_chat_postMessage``), on the state `SlackStandIn` keeps."""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.slack.standin_oauth import OAuthStandIn
from bot.slack.standin_records import SlackError, SlackUser, _stable_id

Args = dict[str, Any]


class WebApiMethods(OAuthStandIn):
    """Method handlers; a missing or wrong argument raises `SlackError` with Slack's code."""

    _lock: threading.Lock
    _users: dict[str, SlackUser]
    _dms: dict[str, tuple[str, ...]]
    _views: dict[str, Args]
    _uploads: dict[str, bytes]
    _last_ts_us: int
    _counter: int
    _root: str

    def _next_ts(self) -> str:
        # Slack's ts is seconds.microseconds and unique per channel; keep it strictly increasing.
        self._last_ts_us = max(int(time.time() * 1_000_000), self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._counter += 1
        return _stable_id(prefix, self.team_id, str(self._counter))

    def _user(self, user_id: object) -> SlackUser:
        with self._lock:
            user = self._users.get(str(user_id or ""))
        if user is None:
            raise SlackError("user_not_found")
        return user

    def _user_json(self, user: SlackUser) -> Args:
        profile = {"real_name": user.real_name, "display_name": user.name, "email": user.email}
        if user.id == self.bot_user_id:
            profile["bot_id"] = self.bot_id
        return {
            **{k: getattr(user, k) for k in ("id", "name", "real_name", "deleted", "is_bot", "tz")},
            "team_id": self.team_id,
            "is_admin": False,
            "profile": {k: v for k, v in profile.items() if v is not None},
        }

    def _channel(self, args: Args) -> str:
        channel = str(args.get("channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        if channel.startswith(("U", "W")):
            # Posting to a user id lands in the bot's DM with that user.
            return self._dm_for((self._user(channel).id,))
        return channel

    def _dm_for(self, users: tuple[str, ...]) -> str:
        channel = _stable_id("D" if len(users) == 1 else "G", self.team_id, *sorted(users))
        self._dms[channel] = users
        return channel

    def _message(self, args: Args, ts: str) -> Args:
        if not any(args.get(k) for k in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        if "blocks" in args and not isinstance(args["blocks"], list):
            raise SlackError("invalid_blocks_format")
        message = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id, "ts": ts}
        keep = ("text", "blocks", "attachments", "thread_ts")
        return message | {k: args[k] for k in keep if k in args}

    def _view(self, args: Args, view_id: str) -> Args:
        view = args.get("view")
        if not isinstance(view, dict) or "type" not in view:
            raise SlackError("invalid_arguments")
        base = {"id": view_id, "team_id": self.team_id, "bot_id": self.bot_id}
        stored = base | {"state": {"values": {}}, "hash": self._next_ts()} | view
        self._views[view_id] = stored
        return {"view": stored}

    def _m_auth_test(self, args: Args) -> Args:
        # Answers for the workspace whose token made the call.
        caller = self._caller
        ids = {"team_id": caller.team_id, "user_id": caller.bot_user_id, "bot_id": caller.bot_id}
        if caller.team_id == self.team_id:
            url, user = "https://candor-standin.slack.com/", self._user(self.bot_user_id).name
        else:
            url, user = f"https://{caller.team_id.lower()}.slack.com/", "candor"
        return ids | {"url": url, "team": caller.team_name, "user": user}

    def _m_users_info(self, args: Args) -> Args:
        return {"user": self._user_json(self._user(args.get("user")))}

    def _m_users_lookupByEmail(self, args: Args) -> Args:
        email = str(args.get("email") or "").strip().lower()
        with self._lock:
            found = [u for u in self._users.values() if (u.email or "").lower() == email]
        if not email or not found:
            raise SlackError("users_not_found")
        return {"user": self._user_json(found[0])}

    def _m_conversations_open(self, args: Args) -> Args:
        if args.get("channel"):
            channel = str(args["channel"])
            if channel not in self._dms:
                raise SlackError("channel_not_found")
        elif args.get("users"):
            channel = self._dm_for(
                tuple(self._user(u.strip()).id for u in str(args["users"]).split(","))
            )
        else:
            raise SlackError("users_list_not_supplied")
        info: Args = {"id": channel}
        if str(args.get("return_im", "")).lower() in ("1", "true"):
            users = self._dms[channel]
            info |= {"is_im": len(users) == 1, "is_open": True, "user": users[0]}
        return {"channel": info}

    def _m_chat_postMessage(self, args: Args) -> Args:
        channel, ts = self._channel(args), self._next_ts()
        return {"channel": channel, "ts": ts, "message": self._message(args, ts)}

    def _m_chat_postEphemeral(self, args: Args) -> Args:
        self._channel(args)
        self._user(args.get("user"))
        ts = self._next_ts()
        self._message(args, ts)
        return {"message_ts": ts}

    def _m_chat_update(self, args: Args) -> Args:
        channel, ts = self._channel(args), str(args.get("ts") or "")
        if not ts:
            raise SlackError("message_not_found")
        # Unknown ts values pass: tests often fake the interaction that carries one.
        message = self._message(args, ts)
        return {"channel": channel, "ts": ts, "text": args.get("text", ""), "message": message}

    def _m_views_open(self, args: Args) -> Args:
        if not args.get("trigger_id"):
            raise SlackError("invalid_arguments")
        return self._view(args, self._next_id("V"))

    def _m_views_publish(self, args: Args) -> Args:
        user = self._user(args.get("user_id"))
        return self._view(args, _stable_id("V", self.team_id, "home", user.id))

    def _m_views_update(self, args: Args) -> Args:
        # Unknown view ids pass, for the same reason as in chat.update.
        view_id = args.get("view_id") or args.get("external_id")
        if not view_id:
            raise SlackError("not_found")
        return self._view(args, str(view_id))

    def _m_files_getUploadURLExternal(self, args: Args) -> Args:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            raise SlackError("invalid_arguments")
        file_id = self._next_id("F")
        return {"upload_url": f"{self._root}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: Args) -> Args:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        if any(f.get("id") not in self._uploads for f in files):
            raise SlackError("file_not_found")
        return {"files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
