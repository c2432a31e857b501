"""Room and global activity: totals, active members, top senders, per day, weekday × hour heatmap."""
