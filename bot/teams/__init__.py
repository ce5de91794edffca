"""The Microsoft Teams adapter: botbuilder in, Adaptive Cards out.

Every botbuilder import in Candor lives in this package (the Bot Framework SDK is archived
upstream), so moving to its successor touches nothing outside `bot/teams/`.
"""
