"""Every sentence people read, in one place: services record what happened as a kind and its
data, and these modules say it, as Slack mrkdwn for the channel and as Markdown for the review.
Pure: no Slack, HTTP or database imports, so a sentence can be read and tested on its own."""
