"""Local stand-ins for WeCom: the fake server API and the chat simulator."""
